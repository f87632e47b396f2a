"""Operations per second through boto3 for the built-in services: awsfake next to moto's server, same run.

Each server runs in its own process; one boto3 client per service drives it (so boto3's own cost is in both
figures, as in a user's tests). Measured: S3 PutObject and GetObject of 1 KiB, ListObjectsV2 of a 1000-key
bucket, a 16 MiB upload_file (multipart), SQS send + receive + delete, SNS Publish, and DynamoDB PutItem and
GetItem (answered by moto inside awsfake, after awsfake verified the signature).
Run: python bench/services.py [seconds-per-operation]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers

MiB = 1024 * 1024


def clients(server: peers.Server) -> dict[str, Any]:
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return {
        name: boto3.client(
            name,
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
            config=config,
        )
        for name in ("s3", "sqs", "sns", "dynamodb")
    }


def rate(operation: Callable[[int], object], seconds: float) -> float:
    operation(0)  # warm up
    done, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        done += 1
        operation(done)
    return done / (time.monotonic() - started)


def operations(c: dict[str, Any], workdir: Path) -> dict[str, Callable[[int], object]]:
    s3, sqs, sns, ddb = c["s3"], c["sqs"], c["sns"], c["dynamodb"]
    s3.create_bucket(Bucket="bench")
    s3.create_bucket(Bucket="listing")
    for i in range(1000):
        s3.put_object(Bucket="listing", Key=f"k{i:04d}", Body=b"")
    s3.put_object(Bucket="bench", Key="read", Body=os.urandom(1024))
    big = workdir / "big.bin"
    big.write_bytes(os.urandom(16 * MiB))
    transfer = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)
    queue = sqs.create_queue(QueueName="bench")["QueueUrl"]
    topic = sns.create_topic(Name="bench")["TopicArn"]
    payload = os.urandom(1024)
    ddb.create_table(
        TableName="bench",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="bench", Item={"k": {"S": "read"}, "v": {"S": "x" * 100}})

    def roundtrip(_: int) -> object:
        sqs.send_message(QueueUrl=queue, MessageBody="m")
        handle = sqs.receive_message(QueueUrl=queue)["Messages"][0]["ReceiptHandle"]
        return sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)

    return {
        "S3 PutObject 1 KiB": lambda i: s3.put_object(Bucket="bench", Key=f"w{i}", Body=payload),
        "S3 GetObject 1 KiB": lambda _: s3.get_object(Bucket="bench", Key="read")["Body"].read(),
        "S3 ListObjectsV2 1000 keys": lambda _: s3.list_objects_v2(Bucket="listing"),
        "S3 upload_file 16 MiB": lambda i: s3.upload_file(str(big), "bench", f"big{i}", Config=transfer),
        "SQS send+receive+delete": roundtrip,
        "SNS Publish": lambda _: sns.publish(TopicArn=topic, Message="m"),
        "DynamoDB PutItem (moto)": lambda i: ddb.put_item(TableName="bench", Item={"k": {"S": f"w{i}"}}),
        "DynamoDB GetItem (moto)": lambda _: ddb.get_item(TableName="bench", Key={"k": {"S": "read"}}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seconds", nargs="?", type=float, default=2.0, help="per operation and server (default 2)")
    seconds = parser.parse_args().seconds
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("awsfake", "moto"):
            with peers.start(name) as server:
                ops = operations(clients(server), Path(tmp))
                results[name] = {label: rate(op, seconds) for label, op in ops.items()}
    print("operations/second through boto3 (server in its own process)")
    for label in results["awsfake"]:
        ours, theirs = results["awsfake"][label], results["moto"][label]
        print(f"  {label:28s} awsfake {ours:8.1f}   moto {theirs:8.1f}   ratio {ours / theirs:5.2f}x")


if __name__ == "__main__":
    main()
