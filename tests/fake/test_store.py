"""State on disk (`FakeAWS(data_dir=)`, `awsfake serve --data-dir`) and bodies streamed, not held.

Restarts are real (a new FakeAWS on the same directory, or a new `awsfake serve` process); the crash is a real
SIGKILL of a server in the middle of an upload; memory is the server process's own peak RSS (VmHWM).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint_helpers import client, signed

from awsfake import FakeAWS
from awsfake.store.saved import DiskStore

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]  # restarts, `awsfake serve` subprocesses, GiB-scale I/O
ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def test_every_service_finds_its_state_again_after_a_restart(tmp_path: Path) -> None:
    big = os.urandom(3 * MiB)  # above the spool threshold: kept as a file
    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        s3 = client(running.url, "s3")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="small", Body=b"hello", Metadata={"colour": "blue"})
        s3.put_object(Bucket="kept", Key="big", Body=big)
        s3.copy_object(Bucket="kept", Key="copy", CopySource="kept/big")
        s3.put_object(Bucket="kept", Key="gone", Body=big)
        s3.delete_object(Bucket="kept", Key="gone")
        upload = s3.create_multipart_upload(Bucket="kept", Key="parts")["UploadId"]
        s3.upload_part(Bucket="kept", Key="parts", UploadId=upload, PartNumber=1, Body=big + big)
        sqs = client(running.url, "sqs")
        queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody="job 1")
        sns = client(running.url, "sns")
        topic = sns.create_topic(Name="events")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:jobs")
        session = client(running.url, "sts").get_session_token()["Credentials"]
    fake.close()

    again = FakeAWS(data_dir=tmp_path)
    with again.serve() as running:
        s3 = client(running.url, "s3")
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]] == ["big", "copy", "small"]
        assert (tmp_path / "state.sqlite3").exists()
        small = s3.get_object(Bucket="kept", Key="small")
        assert (small["Body"].read(), small["Metadata"]) == (b"hello", {"colour": "blue"})
        assert s3.get_object(Bucket="kept", Key="big")["Body"].read() == big
        assert s3.get_object(Bucket="kept", Key="copy", Range="bytes=5-9")["Body"].read() == big[5:10]
        parts = s3.list_parts(Bucket="kept", Key="parts", UploadId=upload)["Parts"]
        assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 6 * MiB)]
        done = {"Parts": [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]}
        s3.complete_multipart_upload(Bucket="kept", Key="parts", UploadId=upload, MultipartUpload=done)
        assert s3.get_object(Bucket="kept", Key="parts", Range="bytes=-4")["Body"].read() == big[-4:]
        sqs = client(running.url, "sqs")
        received = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName="jobs")["QueueUrl"])["Messages"]
        assert [m["Body"] for m in received] == ["job 1"]
        sns = client(running.url, "sns")
        assert [s["TopicArn"] for s in sns.list_subscriptions()["Subscriptions"]] == [topic]
        by_session = client(
            running.url,
            "s3",
            key=session["AccessKeyId"],
            secret=session["SecretAccessKey"],
            token=session["SessionToken"],
        )
        assert [b["Name"] for b in by_session.list_buckets()["Buckets"]] == ["kept"]
        s3.delete_object(Bucket="kept", Key="big")
        assert len(list((tmp_path / "blobs").iterdir())) == 2  # the copy still names the shared file; the object
        s3.delete_object(Bucket="kept", Key="copy")
        assert len(list((tmp_path / "blobs").iterdir())) == 1  # only the completed upload's file is left
    again.check()
    again.close()


def test_without_a_data_dir_nothing_is_written_and_state_is_per_endpoint() -> None:
    fake = FakeAWS()
    with fake.serve() as running:
        client(running.url, "s3").create_bucket(Bucket="mem-only")
    with FakeAWS().serve() as running:
        assert client(running.url, "s3").list_buckets()["Buckets"] == []


# ------------------------------------------------------------------ a real server process


def _serve(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "awsfake.cli", "serve", "--port", "0", "--quiet", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert process.stdout is not None
    for _ in range(4):
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        if line.startswith("export AWS_ENDPOINT_URL="):
            url = line.strip().partition("=")[2]
    return process, url


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_kill_9_during_an_upload_loses_only_that_upload(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    process, url = _serve(tmp_path)
    processes.append(process)
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="crash")
    earlier = {f"obj-{n}": os.urandom(n * 700_000 + 1) for n in range(4)}  # in memory and in files
    for key, data in earlier.items():
        s3.put_object(Bucket="crash", Key=key, Body=data)
    host, port = url.removeprefix("http://").split(":")
    size = 32 * MiB
    headers = signed(url, "PUT", "/crash/in-flight", service="s3", payload_hash="UNSIGNED-PAYLOAD")
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(size)}.items())
    with socket.create_connection((host, int(port))) as upload:
        upload.sendall(f"PUT /crash/in-flight HTTP/1.1\r\n{head}\r\n".encode() + os.urandom(size // 2))
        deadline = time.monotonic() + 30
        while not any(f.stat().st_size > MiB for f in (tmp_path / "tmp").iterdir()):  # spooling to disk
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    restarted, url = _serve(tmp_path)
    processes.append(restarted)
    s3 = client(url, "s3")
    listed = s3.list_objects_v2(Bucket="crash")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(earlier)
    for key, data in earlier.items():
        assert s3.get_object(Bucket="crash", Key=key)["Body"].read() == data
    assert list((tmp_path / "tmp").iterdir()) == []  # the half-written upload was swept at start


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from /proc")
def test_server_memory_does_not_grow_with_object_size(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    process, url = _serve(tmp_path)
    processes.append(process)
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="sizes")
    s3.put_object(Bucket="sizes", Key="warm-up", Body=os.urandom(2 * MiB))
    s3.get_object(Bucket="sizes", Key="warm-up")["Body"].read()
    before = _peak_rss(process.pid)
    body = tmp_path / "body"
    with body.open("wb") as out:
        for _ in range(72):  # above the 64 MiB that bounds every other service's bodies
            out.write(os.urandom(MiB))
    s3.upload_file(str(body), "sizes", "multipart")  # boto3 splits it into 8 MiB parts
    with body.open("rb") as data:
        s3.put_object(Bucket="sizes", Key="single", Body=data)
    got = s3.get_object(Bucket="sizes", Key="single")["Body"]
    total = sum(len(chunk) for chunk in iter(lambda: got.read(MiB), b""))
    growth = _peak_rss(process.pid) - before
    assert total == 72 * MiB
    assert growth < 24 * MiB, f"peak RSS grew by {growth / MiB:.1f} MiB for 72 MiB objects"


def test_s3_takes_up_to_5_gib_in_one_put_and_refuses_more_before_reading_it() -> None:
    """The limit is AWS's, announced by Content-Length and refused at once (no body is read or sent)."""
    from endpoint_helpers import raw_exchange

    with FakeAWS().serve() as running:
        url = running.url
        client(url, "s3").create_bucket(Bucket="limits")
        for size, expected in ((5 * 1024**3 + 1, "EntityTooLarge"), (5 * 1024**3, None)):
            headers = signed(url, "PUT", "/limits/k", service="s3", payload_hash="UNSIGNED-PAYLOAD")
            head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": str(size)}.items())
            answer = raw_exchange(running.port, f"PUT /limits/k HTTP/1.1\r\n{head}\r\n".encode(), timeout=3)
            if expected:
                assert b" 400 " in answer.split(b"\r\n", 1)[0] and b"<MaxSizeAllowed>5368709120<" in answer
            else:  # accepted: the server reads the body, which ends at once here
                assert b"<Code>IncompleteBody</Code>" in answer


def test_concurrent_overwrites_save_the_last_state_and_only_its_files(tmp_path: Path) -> None:
    """8 threads overwrite the same keys with file-backed bodies: after a restart each key holds what the running
    server last held, and `blobs/` holds exactly the files those objects name (no stale value, no leaked file)."""
    from concurrent.futures import ThreadPoolExecutor

    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        client(running.url, "s3").create_bucket(Bucket="race")

        def writer(n: int) -> None:
            s3 = client(running.url, "s3")
            for i in range(6):
                s3.put_object(Bucket="race", Key=f"k{(n + i) % 3}", Body=os.urandom(MiB + 1))
                if i == 4:
                    s3.delete_object(Bucket="race", Key=f"k{n % 3}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(writer, range(8)))
        s3 = client(running.url, "s3")
        held = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="race").get("Contents", [])}
    fake.check()
    assert len(list((tmp_path / "blobs").iterdir())) == len(held)  # replaced bodies' files deleted as it ran
    fake.close()
    again = FakeAWS(data_dir=tmp_path)
    assert isinstance(again.store, DiskStore) and again.store.swept == 0  # nothing left over to sweep
    with again.serve() as running:
        s3 = client(running.url, "s3")
        assert {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="race").get("Contents", [])} == held
        for key, etag in held.items():
            body = s3.get_object(Bucket="race", Key=key)["Body"].read()
            assert f'"{hashlib.md5(body).hexdigest()}"' == etag
    again.close()


def test_a_body_released_after_the_last_commit_loses_its_file_when_the_server_stops(tmp_path: Path) -> None:
    """A replaced body still held when its replacement commits (a request still answering holds it) is released
    with no commit to follow: stopping the server deletes its file, rather than leaving it to the next start."""
    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        s3 = client(running.url, "s3")
        s3.create_bucket(Bucket="late")
        s3.put_object(Bucket="late", Key="k", Body=os.urandom(MiB + 1))
        held = fake.service("s3").buckets["late"].objects["k"].data  # type: ignore[union-attr]
        s3.put_object(Bucket="late", Key="k", Body=os.urandom(MiB + 1))  # commits while `held` is alive
        del held  # released now, after the last commit
        assert len(list((tmp_path / "blobs").iterdir())) == 2
    assert len(list((tmp_path / "blobs").iterdir())) == 1
    fake.close()


def test_old_versions_and_bucket_configuration_survive_a_restart_and_keep_their_files(tmp_path: Path) -> None:
    """An overwritten object's old version still refers to its file: the file stays while the version does (in
    the running server and after a restart), and goes once that version is deleted. Configuration comes back too."""
    first, second = os.urandom(MiB + 1), os.urandom(MiB + 2)
    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        s3 = client(running.url, "s3")
        s3.create_bucket(Bucket="history")
        s3.put_bucket_versioning(Bucket="history", VersioningConfiguration={"Status": "Enabled"})
        rule = {"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET"]}
        s3.put_bucket_cors(Bucket="history", CORSConfiguration={"CORSRules": [rule]})
        old = s3.put_object(Bucket="history", Key="doc", Body=first)["VersionId"]
        s3.put_object(Bucket="history", Key="doc", Body=second)
        assert len(list((tmp_path / "blobs").iterdir())) == 2  # the old version's file is kept
    fake.check()
    fake.close()

    again = FakeAWS(data_dir=tmp_path)
    assert isinstance(again.store, DiskStore) and again.store.swept == 0
    with again.serve() as running:
        s3 = client(running.url, "s3")
        assert s3.get_bucket_versioning(Bucket="history")["Status"] == "Enabled"
        assert s3.get_bucket_cors(Bucket="history")["CORSRules"][0]["AllowedOrigins"] == ["https://app.example.com"]
        assert s3.get_object(Bucket="history", Key="doc")["Body"].read() == second
        assert s3.get_object(Bucket="history", Key="doc", VersionId=old)["Body"].read() == first
        versions = s3.list_object_versions(Bucket="history")["Versions"]
        assert [(v["VersionId"] == old, v["IsLatest"]) for v in versions] == [(False, True), (True, False)]
        s3.delete_object(Bucket="history", Key="doc", VersionId=old)
        assert len(list((tmp_path / "blobs").iterdir())) == 1  # no version refers to the first file any more
    again.check()
    again.close()


def test_the_journal_keeps_no_large_body_alive(tmp_path: Path) -> None:
    """A record is made later from what the request held, but never from a body larger than the 64 KiB a record
    keeps: a deleted object's file goes at once, however many records are still to be made."""
    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        s3 = client(running.url, "s3")
        s3.create_bucket(Bucket="gone")
        s3.put_object(Bucket="gone", Key="k", Body=os.urandom(MiB + 1))
        s3.delete_object(Bucket="gone", Key="k")
        assert list((tmp_path / "blobs").iterdir()) == []
    assert [r.action for r in fake.requests] == ["CreateBucket", "PutObject", "DeleteObject"]
    fake.close()
