"""Peak server memory against object size: `awsfake serve` in its own process, boto3 in this one.

Scenarios: a multipart upload (boto3's upload_file, 8 MiB parts), a single put_object, a whole-object GET.
Each figure is the server's peak RSS (VmHWM from /proc/<pid>/status) after the scenario, with the baseline after
start and a warm-up. Run: `python bench/memory.py [--multipart-gib 2] [--single-gib 1] [--data-dir]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers

MiB = 1 << 20


def peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024


def write_file(path: Path, size: int) -> None:
    block = os.urandom(MiB)
    with path.open("wb") as out:
        for _ in range(size // MiB):
            out.write(block)


def measure(work: Path, multipart_gib: float, single_gib: float, data_dir: bool) -> None:
    with peers.start_awsfake(*(["--data-dir", str(work / "data")] if data_dir else [])) as server:
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(Bucket="memory")
        s3.put_object(Bucket="memory", Key="warm-up", Body=os.urandom(2 * MiB))
        print(f"baseline: peak RSS {peak_rss(server.pid) / MiB:.0f} MiB")
        big = work / "body"
        write_file(big, int(multipart_gib * 1024) * MiB)
        config = TransferConfig(multipart_chunksize=64 * MiB, max_concurrency=4)
        s3.upload_file(str(big), "memory", "multipart", Config=config)
        print(f"multipart upload {multipart_gib} GiB: peak RSS {peak_rss(server.pid) / MiB:.0f} MiB")
        write_file(big, int(single_gib * 1024) * MiB)
        with big.open("rb") as body:
            s3.put_object(Bucket="memory", Key="single", Body=body)
        print(f"single put_object {single_gib} GiB: peak RSS {peak_rss(server.pid) / MiB:.0f} MiB")
        got = s3.get_object(Bucket="memory", Key="single")["Body"]
        total = sum(len(chunk) for chunk in iter(lambda: got.read(MiB), b""))
        print(f"whole-object GET {total / MiB / 1024:.1f} GiB: peak RSS {peak_rss(server.pid) / MiB:.0f} MiB")
        big.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--multipart-gib", type=float, default=2.0)
    parser.add_argument("--single-gib", type=float, default=1.0)
    parser.add_argument("--data-dir", action="store_true", help="serve with --data-dir (else state in memory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="awsfake-memory-") as tmp:
        measure(Path(tmp), args.multipart_gib, args.single_gib, args.data_dir)


if __name__ == "__main__":
    main()
