"""`awsfake serve`: run the fake endpoint for offline development, print the environment to point clients at it.

Servers are started from `SERVERS`, a list of starters: each adds what it serves to an `ExitStack` and returns the
`export` lines it contributes; `OPTIONS` lists functions adding their command-line options. A new server (the
instance-metadata fake, say) adds one option function and one starter.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from types import FrameType
from typing import TextIO

from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from awsfake.doubles.journal import Record
from awsfake.endpoint import FakeAWS
from awsfake.imds import FakeIMDS, InstanceValues

__all__ = ["OPTIONS", "SERVERS", "main"]

JOURNAL_LIMIT = 10_000  # a server left running for days keeps only its recent requests
Starter = Callable[[argparse.Namespace, ExitStack], dict[str, str]]


def _endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port for the endpoint (default 0: a free port)")
    parser.add_argument("--region", default="us-east-1", help="the endpoint's region (default us-east-1)")
    parser.add_argument("--access-key-id", default=None, help="an access key id to accept (with --secret-access-key)")
    parser.add_argument("--secret-access-key", default=None, help="its secret (never printed in logs)")
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (the fake accepts test keys)"
    )


def _start_endpoint(args: argparse.Namespace, stack: ExitStack) -> dict[str, str]:
    fake = FakeAWS(
        args.region,
        on_request=None if args.quiet else lambda record: _log(record, sys.stderr),
        journal_limit=JOURNAL_LIMIT,
    )
    key, secret = DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
    if args.access_key_id or args.secret_access_key:
        key, secret = args.access_key_id, args.secret_access_key
        fake.add_credentials(key, secret)
    running = stack.enter_context(fake.serve(args.host, args.port, allow_remote=args.allow_remote))
    args.fake_aws = fake  # for starters that tie to the endpoint (the instance-metadata fake)
    return {
        "AWS_ENDPOINT_URL": running.url,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": args.region,
    }


def _imds_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--imds-port",
        type=int,
        default=None,
        help="also serve the EC2 instance-metadata fake on this port (0: a free port); the endpoint accepts its "
        "role credentials. Off unless given",
    )
    parser.add_argument("--imds-role", default="awsfake-instance-role", help="the instance's role name")
    parser.add_argument(
        "--imds-tokens",
        choices=("optional", "required"),
        default="optional",
        help="'required': IMDSv2 only (reads without a session token get 401)",
    )


def _start_imds(args: argparse.Namespace, stack: ExitStack) -> dict[str, str]:
    if args.imds_port is None:
        return {}
    imds = FakeIMDS(
        args.fake_aws,
        role_name=args.imds_role,
        tokens=args.imds_tokens,
        instance=InstanceValues(region=args.region),
        on_request=lambda record: print(
            f"IMDS {record.method} {record.path} {record.status} {'v2' if record.token else 'v1'}",
            file=sys.stderr,
            flush=True,
        ),
    )
    running = stack.enter_context(imds.serve(args.host, args.imds_port, allow_remote=args.allow_remote))
    return {"AWS_EC2_METADATA_SERVICE_ENDPOINT": running.url}


OPTIONS: list[Callable[[argparse.ArgumentParser], None]] = [_endpoint_options, _imds_options]
SERVERS: list[Starter] = [_start_endpoint, _start_imds]


def _log(record: Record, stream: TextIO) -> None:
    """One line per request; access key ids may be shown, secrets never reach a record."""
    verdict = record.error or "OK"
    line = (
        f"{record.method} {record.service} {record.action or '-'} {record.status} {verdict} "
        f"key={record.access_key_id or '-'}"
    )
    print(line, file=stream, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="awsfake", description="A strict fake AWS endpoint for development.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake endpoint until interrupted")
    for add_options in OPTIONS:
        add_options(serve)
    return parser


def _serve(args: argparse.Namespace) -> int:
    if bool(args.access_key_id) != bool(args.secret_access_key):
        print("awsfake: --access-key-id and --secret-access-key go together", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with ExitStack() as stack:
        try:
            exports: dict[str, str] = {}
            for start in SERVERS:
                exports.update(start(args, stack))
        except (OSError, ValueError) as exc:
            print(f"awsfake: {exc}", file=sys.stderr)
            return 1
        for name, value in exports.items():
            print(f"export {name}={shlex.quote(value)}")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
