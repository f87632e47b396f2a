"""Peak server memory against object size: `awsfake serve` in its own process, boto3 in this one.

Scenarios: a multipart upload (boto3's upload_file, 8 MiB parts), a single put_object, a whole-object GET.
Each figure is the server's peak RSS (VmHWM from /proc/<pid>/status) after the scenario, with the baseline after
start and a warm-up. Run: `python bench/memory.py [--multipart-gib 2] [--single-gib 1] [--data-dir]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[1]


def peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024


def serve(data_dir: str | None) -> tuple[subprocess.Popen[str], str]:
    extra = ["--data-dir", data_dir] if data_dir else []
    process = subprocess.Popen(
        [sys.executable, "-m", "awsfake.cli", "serve", "--port", "0", "--quiet", *extra],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    exports = dict(process.stdout.readline().strip().removeprefix("export ").split("=", 1) for _ in range(4))
    return process, exports["AWS_ENDPOINT_URL"]


def write_file(path: Path, size: int) -> None:
    block = os.urandom(MiB)
    with path.open("wb") as out:
        for _ in range(size // MiB):
            out.write(block)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--multipart-gib", type=float, default=2.0)
    parser.add_argument("--single-gib", type=float, default=1.0)
    parser.add_argument("--data-dir", action="store_true", help="serve with --data-dir (else state in memory)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="awsfake-memory-"))
    process, url = serve(str(work / "data") if args.data_dir else None)
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIDFAKEFAKEFAKE1234",
            aws_secret_access_key="awsfake/secret/key/for/tests/only/000000",
        )
        s3.create_bucket(Bucket="memory")
        s3.put_object(Bucket="memory", Key="warm-up", Body=os.urandom(2 * MiB))
        print(f"baseline: peak RSS {peak_rss(process.pid) / MiB:.0f} MiB")
        big = work / "body"
        write_file(big, int(args.multipart_gib * 1024) * MiB)
        config = TransferConfig(multipart_chunksize=64 * MiB, max_concurrency=4)
        s3.upload_file(str(big), "memory", "multipart", Config=config)
        print(f"multipart upload {args.multipart_gib} GiB: peak RSS {peak_rss(process.pid) / MiB:.0f} MiB")
        write_file(big, int(args.single_gib * 1024) * MiB)
        with big.open("rb") as body:
            s3.put_object(Bucket="memory", Key="single", Body=body)
        print(f"single put_object {args.single_gib} GiB: peak RSS {peak_rss(process.pid) / MiB:.0f} MiB")
        got = s3.get_object(Bucket="memory", Key="single")["Body"]
        total = sum(len(chunk) for chunk in iter(lambda: got.read(MiB), b""))
        print(f"whole-object GET {total / MiB / 1024:.1f} GiB: peak RSS {peak_rss(process.pid) / MiB:.0f} MiB")
        big.unlink()
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
