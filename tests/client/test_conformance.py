"""`python -m awsclient.conformance` over AWS's own suite, the project's vectors, and broken copies of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from generators import regenerate

from awsclient.conformance import parse_request

REPO = Path(__file__).resolve().parents[2]
AWS_SUITE = REPO / "fixtures" / "aws4_testsuite"
OURS = REPO / "fixtures" / "sigv4"

pytestmark = pytest.mark.timeout(60)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awsclient.conformance", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def case_count(root: Path) -> int:
    return len(list(root.rglob("*.req")))


@pytest.mark.parametrize("suite", [AWS_SUITE, OURS], ids=["aws4_testsuite", "sigv4"])
def test_every_case_passes(suite: Path) -> None:
    result = run(suite)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{case_count(suite)} passed, 0 failed"
    assert case_count(suite) >= 30


def test_verbose_lists_the_cases() -> None:
    result = run(AWS_SUITE, "-v")
    assert "ok   normalize-path/get-space" in result.stdout
    assert "ok   get-vanilla-with-session-token" in result.stdout
    assert "ok   post-sts-token/post-sts-header-after" in result.stdout


def test_broken_copy_fails_with_a_diff(tmp_path: Path) -> None:
    copy = tmp_path / "sigv4"
    shutil.copytree(OURS, copy)
    creq = copy / "path" / "dot-segments" / "dot-segments.creq"
    creq.write_text(creq.read_text().replace("/a/c\n", "/a/c/d\n", 1))
    authz = copy / "query" / "utf8" / "utf8.authz"
    authz.write_text(authz.read_text()[:-1] + ("0" if not authz.read_text().endswith("0") else "1"))
    (copy / "headers" / "whitespace" / "whitespace.sts").unlink()
    (copy / "headers" / "empty-value" / "empty-value.req").write_text("no request line here")

    result = run(copy)
    assert result.returncode == 1
    out = result.stdout
    assert out.splitlines()[-1] == f"{case_count(OURS) - 4} passed, 4 failed"
    assert "FAIL path/dot-segments: canonical request differs" in out
    assert "--- expected dot-segments.creq\n+++ computed" in out
    assert "\n-/a/c/d\n+/a/c\n" in out
    assert "FAIL query/utf8: authorization differs" in out
    assert "FAIL headers/whitespace: missing whitespace.sts" in out
    assert "FAIL headers/empty-value: cannot sign: bad request line" in out


def test_group_conf_sets_the_service(tmp_path: Path) -> None:
    copy = tmp_path / "sigv4"
    shutil.copytree(OURS, copy)
    (copy / "s3" / "sigv4.conf").unlink()
    result = run(copy)
    assert result.returncode == 1
    s3_cases = case_count(OURS / "s3")
    assert result.stdout.splitlines()[-1] == f"{case_count(OURS) - s3_cases} passed, {s3_cases} failed"


def test_command_line_options_are_used() -> None:
    result = run(AWS_SUITE, "--region", "eu-west-1")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == f"0 passed, {case_count(AWS_SUITE)} failed"
    assert run(AWS_SUITE, "--secret-access-key", "other").stdout.splitlines()[-1].startswith("0 passed")


def test_crlf_files_pass_too(tmp_path: Path) -> None:
    copy = tmp_path / "suite"
    shutil.copytree(AWS_SUITE, copy)
    for path in copy.rglob("*"):
        if path.suffix in {".req", ".creq", ".sts", ".authz", ".sreq"}:
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = run(copy)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{case_count(AWS_SUITE)} passed, 0 failed"


def test_empty_directory_is_not_a_pass(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 0 failed"
    assert "no cases" in result.stderr


def test_not_a_directory(tmp_path: Path) -> None:
    result = run(tmp_path / "missing")
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_parse_request_obs_fold_and_body() -> None:
    request = parse_request(
        b"POST /a b/?x=1 HTTP/1.1\r\nHost: h\r\nMy-Header: one\r\n  two\r\n\tthree\r\n\r\nline1\r\n\r\nline3"
    )
    assert (request.method, request.path, request.query) == ("POST", "/a b/", "x=1")
    assert request.headers == [("Host", " h"), ("My-Header", " one two three")]
    assert request.body == b"line1\r\n\r\nline3"


def test_committed_vectors_are_what_the_botocore_checked_generator_writes(tmp_path: Path) -> None:
    copy = tmp_path / "sigv4"
    output, artefacts = regenerate(OURS, copy, lambda path: path.suffix in {".creq", ".sts", ".authz", ".sreq"})
    assert output == f"{case_count(OURS)} cases written, each matching botocore"
    for path in artefacts:
        assert path.read_bytes() == (OURS / path.relative_to(copy)).read_bytes(), path


def test_benchmark_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "sign.py"), "--requests", "400"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, *figures = result.stdout.splitlines()
    assert first.startswith("400 unique requests")
    assert [line.split()[0] for line in figures] == ["awsclient", "botocore", "floor"]
    assert all(float(line.split()[1]) > 0 for line in figures)
