"""The conformance kit beyond awsclient's own signer: the aws-c-auth layout, `--signer CMD` with real subprocess
signers (botocore's, and a deliberately wrong one), and `--verify` against the fake and against a lax verifier.
botocore's signer over the whole suite, and `--verify` with the default fake, run in test_readme_conformance."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from generators import regenerate
from werkzeug.serving import make_server

from awsclient.conformance import crt_suite, verify
from awsfake import FakeAWS

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "fixtures" / "signing_suite"
BOTOCORE_SIGNER = [sys.executable, str(REPO / "tests" / "helpers" / "botocore_signer.py")]

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]  # subprocesses: the runner and the signers


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awsclient.conformance", *map(str, args)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )


def contexts(root: Path) -> dict[str, dict[str, Any]]:
    return {
        path.parent.relative_to(root).as_posix(): json.loads(path.read_text()) for path in root.rglob("context.json")
    }


def checks(root: Path) -> int:
    """Case-modes: every case of the suite has both modes' files."""
    return 2 * len(contexts(root))


def subset(tmp_path: Path, *names: str) -> Path:
    copy = tmp_path / "suite"
    for name in names:
        shutil.copytree(SUITE / name, copy / name)
    return copy


def test_our_signer_passes_the_suite_in_both_modes() -> None:
    result = run(SUITE, "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{checks(SUITE)} passed, 0 failed"
    assert "ok   omit-session-token query" in result.stdout
    assert "ok   s3-put-object header" in result.stdout
    assert len(contexts(SUITE)) >= 16
    options = [c.get("omit_session_token", False) for c in contexts(SUITE).values()]
    assert any(options) and any(c["expiration_in_seconds"] == 0 for c in contexts(SUITE).values())


def test_committed_files_are_what_the_botocore_checked_generator_writes(tmp_path: Path) -> None:
    copy = tmp_path / "signing_suite"
    output, written = regenerate(SUITE, copy, lambda path: path.suffix == ".txt" and path.name != "request.txt")
    assert output == f"{len(contexts(SUITE))} cases written (header and query), each matching botocore"
    assert len(written) == 8 * len(contexts(SUITE))
    for path in written:
        assert path.read_bytes() == (SUITE / path.relative_to(copy)).read_bytes(), path


def test_a_broken_copy_fails_with_what_differs(tmp_path: Path) -> None:
    copy = subset(tmp_path, "get-vanilla", "sts-session-token", "s3-put-object", "omit-session-token")
    sts = copy / "get-vanilla" / "query-string-to-sign.txt"
    sts.write_text(sts.read_text().replace("us-east-1", "us-east-2"))
    signed = copy / "s3-put-object" / "header-signed-request.txt"
    signed.write_bytes(signed.read_bytes().replace(b"X-Amz-Meta-Owner:someone", b"X-Amz-Meta-Owner:someone-else"))
    context = copy / "sts-session-token" / "context.json"
    context.write_text(context.read_text().replace('"timestamp"', '"time"'))
    omitted = copy / "omit-session-token" / "context.json"
    omitted.write_text(omitted.read_text().replace('"omit_session_token": true', '"omit_session_token": false'))

    result = run(copy)
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL get-vanilla query: string to sign differs\n--- expected query-string-to-sign.txt\n+++ computed" in out
    assert "FAIL s3-put-object header: signed request differs" in out
    assert "header missing: x-amz-meta-owner='someone-else'" in out
    assert "FAIL sts-session-token: cannot read the case: 'timestamp'" in out
    assert "FAIL omit-session-token header: canonical request differs" in out  # the token is now signed
    assert "FAIL omit-session-token query: canonical request differs" in out
    assert out.splitlines()[-1] == "2 passed, 5 failed"  # an unreadable case is one failure


def test_iso_and_basic_timestamps_are_one_date(tmp_path: Path) -> None:
    context = json.loads((SUITE / "get-vanilla" / "context.json").read_text())
    assert context["timestamp"] == "2015-08-30T12:36:00Z"
    assert crt_suite.amz_date(context["timestamp"]) == "20150830T123600Z" == crt_suite.amz_date("20150830T123600Z")


# ---------------------------------------------------------------- --signer


def test_a_wrong_signer_is_reported_case_by_case(tmp_path: Path) -> None:
    copy = subset(tmp_path, "get-vanilla", "sqs-json-body", "get-short-expiration")
    wrong = " ".join([*BOTOCORE_SIGNER, "--hard-coded-region"])
    result = run(copy, "--signer", wrong)
    assert result.returncode == 1
    elsewhere = sorted(name for name, context in contexts(copy).items() if context["region"] != "us-east-1")
    failed = sorted({line.split()[1] for line in result.stdout.splitlines() if line.startswith("FAIL")})
    assert failed == elsewhere == ["get-short-expiration", "sqs-json-body"]
    assert "query parameter unexpected: X-Amz-Credential='AKIDEXAMPLE/20150830/us-east-1/sqs/aws4_request'" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1] == "2 passed, 4 failed"


@pytest.mark.parametrize(
    ("code", "report"),
    [
        ("import sys; sys.exit('no keys here')", "the signer exited with status 1: no keys here"),
        ("print('signed!')", "stdout is not JSON"),
        ('print(\'{"method": "GET"}\')', "`method` and `path` must be strings"),
    ],
)
def test_a_broken_signer_is_a_failure_not_a_crash(tmp_path: Path, code: str, report: str) -> None:
    script = tmp_path / "signer.py"
    script.write_text(code)
    result = run(subset(tmp_path, "get-vanilla"), "--signer", f"{sys.executable} {script}")
    assert result.returncode == 1
    assert report in result.stdout
    assert result.stdout.splitlines()[-1] == "0 passed, 2 failed"


def test_the_signer_reads_the_documented_request(tmp_path: Path) -> None:
    script = tmp_path / "echo.py"
    script.write_text(f"import sys, shutil\nshutil.copyfileobj(sys.stdin, open({str(tmp_path / 'seen.json')!r}, 'w'))")
    run(subset(tmp_path, "sts-session-token"), "--signer", f"{sys.executable} {script}")
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["mode"] == "query"  # the last one run
    assert (seen["method"], seen["path"]) == ("GET", "/")
    assert seen["query"] == "Action=GetCallerIdentity&Version=2011-06-15"
    assert seen["headers"] == [["Host", "example.amazonaws.com"]] and seen["body"] == ""
    assert seen["credentials"]["access_key_id"] == "AKIDEXAMPLE" and seen["credentials"]["session_token"]
    assert (seen["region"], seen["service"], seen["timestamp"]) == ("us-east-1", "sts", "20150830T123600Z")
    assert seen["options"] == {
        "normalize": True,
        "sign_body": False,
        "omit_session_token": False,
        "expiration_in_seconds": 3600,
    }


# ---------------------------------------------------------------- --verify


def skipped(root: Path) -> int:
    return 2 * sum(1 for c in contexts(root).values() if c.get("omit_session_token"))


def test_the_fake_accepts_every_case_and_refuses_every_mutation() -> None:
    result = run(SUITE, "--verify", "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    replayed = checks(SUITE) - skipped(SUITE)
    per_case = 1 + len(verify.MUTATIONS)
    assert result.stdout.splitlines()[-1] == f"{replayed * per_case} passed, 0 failed, {skipped(SUITE)} skipped"
    assert "ok   s3-put-object query, payload mutated" in result.stdout
    assert "skip omit-session-token header: an unsigned session token" in result.stdout


def test_verify_against_a_url_with_given_keys(tmp_path: Path) -> None:
    fake = FakeAWS()
    fake.add_credentials("AKIDCONFORMANCE0001", "another/secret/for/the/url/test0000000")
    copy = subset(tmp_path, "sqs-json-body", "s3-put-object", "get-path-normalized")
    with fake.serve() as running:
        result = run(
            copy, "--verify", running.url, "--access-key-id", "AKIDCONFORMANCE0001",
            "--secret-access-key", "another/secret/for/the/url/test0000000",
        )  # fmt: skip
        wrong = run(copy, "--verify", running.url)  # the cases' own keys: this fake does not know them
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{6 * (1 + len(verify.MUTATIONS))} passed, 0 failed"
    assert wrong.returncode == 1
    refusals = [line for line in wrong.stdout.splitlines() if line.startswith("FAIL")]
    assert len(refusals) == 6 and all(", as signed: refused: " in line for line in refusals)
    assert {line.split()[-1] for line in refusals} <= verify.SIGNATURE_ERRORS  # e.g. InvalidClientTokenId
    records = list(fake.requests)
    assert {r.access_key_id for r in records} == {"AKIDCONFORMANCE0001", "AKIDEXAMPLE"}


@pytest.fixture
def lax_verifier() -> Iterator[str]:
    """A verifier that accepts everything: a WSGI app on 127.0.0.1 answering 200 to any request."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def test_a_lax_verifier_fails_every_mutation(tmp_path: Path, lax_verifier: str) -> None:
    copy = subset(tmp_path, "get-vanilla", "s3-get-object")
    result = run(copy, "--verify", lax_verifier)
    assert result.returncode == 1
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    expected = {
        f"FAIL {case} {mode}, {what} mutated: not refused with a signature error: 200"
        for case in ("get-vanilla", "s3-get-object")
        for mode in ("header", "query")
        for what in verify.MUTATIONS
    }
    assert set(fails) == expected
    assert result.stdout.splitlines()[-1] == f"4 passed, {len(expected)} failed"


def test_each_mutation_changes_one_place() -> None:
    case = crt_suite.load_case(SUITE / "s3-put-object", SUITE)
    for mode in crt_suite.MODES:
        signed = crt_suite.sign(case.request, case.context, mode).request
        for what in verify.MUTATIONS:
            changed = verify.mutate(signed, case.context, what)
            assert changed != signed, (mode, what)
            before = [signed.method, signed.path, signed.query, *map(repr, signed.headers), signed.body]
            after = [changed.method, changed.path, changed.query, *map(repr, changed.headers), changed.body]
            assert sum(a != b for a, b in zip(before, after, strict=True)) == 1, (mode, what)


def test_a_wrong_token_is_reported_without_showing_it(tmp_path: Path) -> None:
    copy = subset(tmp_path, "sts-session-token")
    context = json.loads((copy / "sts-session-token" / "context.json").read_text())
    token = context["credentials"]["token"]
    result = run(copy, "--signer", " ".join(BOTOCORE_SIGNER), "--session-token", "another-session-token-0000")
    assert result.returncode == 0, result.stdout  # overridden: compared with awsclient's signing of the same
    script = tmp_path / "stale.py"  # a signer that sends a stale token: botocore's output with the token swapped
    script.write_text(
        "import json, subprocess, sys\n"
        f"out = subprocess.run({BOTOCORE_SIGNER!r}, input=sys.stdin.read(), capture_output=True, text=True).stdout\n"
        f"print(out.replace({token!r}, 'stale-token-1234').replace({quote(token, safe='~')!r}, 'stale-token-1234'))\n"
    )
    result = run(copy, "--signer", f"{sys.executable} {script}")
    assert result.returncode == 1
    assert "header missing: x-amz-security-token=<session token, " in result.stdout
    assert "query parameter missing: X-Amz-Security-Token=<session token, " in result.stdout
    assert token not in result.stdout and quote(token, safe="~") not in result.stdout


def test_aws_own_suite_replays_through_the_fake() -> None:
    """The aws-sig-v4-test-suite layout replays too: each of AWS's requests, signed now, in both modes."""
    aws = REPO / "fixtures" / "aws4_testsuite"
    result = run(aws, "--verify", "-v")
    assert result.returncode == 0, result.stdout[-3000:]
    spaced = [line for line in result.stdout.splitlines() if line.startswith("skip")]
    assert spaced == [
        "skip normalize-path/get-space header: the request target holds a space or control character, which "
        "cannot be sent as written",
        "skip normalize-path/get-space query: the request target holds a space or control character, which "
        "cannot be sent as written",
    ]
    cases = len(list(aws.rglob("*.req")))
    per_case = 1 + len(verify.MUTATIONS)
    assert result.stdout.splitlines()[-1] == f"{(2 * cases - 2) * per_case} passed, 0 failed, 2 skipped"
    assert "ok   get-utf8 query, as signed" in result.stdout  # a raw UTF-8 path, sent as written
