"""`awsfake serve`: run the fake endpoint for offline development, print the environment to point clients at it.

Servers are started from `SERVERS`, a list of starters: each adds what it serves to an `ExitStack` and returns the
`export` lines it contributes; `OPTIONS` lists functions adding their command-line options. A new server (the
instance-metadata fake, say) adds one option function and one starter.

Each request is logged as one line through `logging` (logger `awsfake.serve`): a handler writes a whole line in a
single call under its lock, so lines from concurrent requests never interleave, as `print` from many threads did.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from types import FrameType

from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from awsfake.console import Console
from awsfake.doubles.journal import Record
from awsfake.endpoint import FakeAWS
from awsfake.imds import FakeIMDS, IMDSRequest, InstanceValues
from awsfake.server import Limits, serve_app
from awsfake.services.native import NATIVE

__all__ = ["DEFAULT_PORT", "JOURNAL_LIMIT", "OPTIONS", "SERVERS", "Starter", "main"]

DEFAULT_PORT = 4566  # the port local AWS emulators customarily use, so existing configurations find the fake
JOURNAL_LIMIT = 10_000  # a server left running for days keeps only its recent requests
Starter = Callable[[argparse.Namespace, ExitStack], dict[str, str]]
_logger = logging.getLogger("awsfake.serve")


def _endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port for the endpoint (default {DEFAULT_PORT}; 0: a free one)"
    )
    parser.add_argument("--region", default="us-east-1", help="the endpoint's region (default us-east-1)")
    parser.add_argument("--access-key-id", default=None, help="an access key id to accept (with --secret-access-key)")
    parser.add_argument("--secret-access-key", default=None, help="its secret (never printed in logs)")
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument("--sigv2", action="store_true", help="S3 also verifies Signature Version 2 (older buckets)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="keep every service's state (buckets, objects, queues, topics, sessions) in this directory and find "
        "it again after a restart (default: in memory only)",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (the fake accepts test keys)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve https with a certificate made for this run (AWS_CA_BUNDLE is printed)"
    )
    defaults = Limits()
    parser.add_argument(
        "--head-deadline",
        type=float,
        default=defaults.head_deadline,
        help=f"seconds a request's head may take from its first byte (default {defaults.head_deadline:g})",
    )
    parser.add_argument(
        "--request-deadline",
        type=float,
        default=defaults.request_deadline,
        help=f"seconds a whole request, head and body, may take (default {defaults.request_deadline:g})",
    )


def _start_endpoint(args: argparse.Namespace, stack: ExitStack) -> dict[str, str]:
    fake = FakeAWS(
        args.region,
        on_request=None if args.quiet else _log,
        journal_limit=JOURNAL_LIMIT,
        data_dir=args.data_dir,
        sigv2=args.sigv2,
    )
    stack.callback(fake.close)
    key, secret = DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
    if args.access_key_id or args.secret_access_key:
        key, secret = args.access_key_id, args.secret_access_key
        fake.add_credentials(key, secret)
    exports: dict[str, str] = {}
    tls = None
    if args.tls:
        from awsfake.tls import make_certificates

        certificates = make_certificates(hosts=(args.host,))
        stack.callback(shutil.rmtree, certificates.directory, True)
        tls = certificates.context()
        exports["AWS_CA_BUNDLE"] = str(certificates.ca_file)
    limits = Limits(head_deadline=args.head_deadline, request_deadline=args.request_deadline)
    console = Console(fake)
    running = stack.enter_context(
        serve_app(
            console,
            args.host,
            args.port,
            allow_remote=args.allow_remote,
            limits=limits,
            tls=tls,
            early_error=fake.early_error,
            before_body=console.before_body,
        )
    )
    fake.url = running.url
    args.fake_aws = fake  # for starters that tie to the endpoint (the instance-metadata fake)
    exports.update(
        {
            "AWS_ENDPOINT_URL": running.url,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": args.region,
        }
    )
    exports.update(_per_service(running.url))
    return exports


def _per_service(url: str) -> dict[str, str]:
    """`AWS_ENDPOINT_URL_<SERVICE>` for the services the fake implements: these win over a `services` section in
    ~/.aws/config that points elsewhere. (AWS CLI v1 pins sqs, rds and a few others to their AWS hosts whatever
    the environment says: give those commands `--endpoint-url "$AWS_ENDPOINT_URL"`.)"""
    return {f"AWS_ENDPOINT_URL_{name.upper()}": url for name in NATIVE}


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
        on_request=None if args.quiet else _log_imds,
        journal_limit=JOURNAL_LIMIT,
    )
    running = stack.enter_context(imds.serve(args.host, args.imds_port, allow_remote=args.allow_remote))
    return {"AWS_EC2_METADATA_SERVICE_ENDPOINT": running.url}


OPTIONS: list[Callable[[argparse.ArgumentParser], None]] = [_endpoint_options, _imds_options]
SERVERS: list[Starter] = [_start_endpoint, _start_imds]


def _log(record: Record) -> None:
    """One line per request; access key ids may be shown, secrets never reach a record."""
    verdict = record.error or "OK"
    _logger.info(
        "%s %s %s %s %s key=%s",
        record.method,
        record.service,
        record.action or "-",
        record.status,
        verdict,
        record.access_key_id or "-",
    )


def _log_imds(record: IMDSRequest) -> None:
    _logger.info("IMDS %s %s %s %s", record.method, record.path, record.status, "v2" if record.token else "v1")


def _configure_logging() -> None:
    """Request lines to stderr, one `write` each (logging.StreamHandler writes message and newline at once)."""
    if _logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(handler)
    _logger.setLevel(logging.INFO)
    _logger.propagate = False


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
    _configure_logging()
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
        # Start-up's objects (the botocore catalogue's index, modules, tables: ~50,000 the collector tracks) live
        # as long as the process: frozen, they leave the collector's generations, and each full collection a
        # long run triggers no longer walks them (docs/performance.md, "Garbage collection and the journal").
        # Our own process only: a test's FakeAWS leaves the collector alone. Not collected first: a collection
        # here costs start-up ~5 ms and finds nothing to free.
        gc.freeze()
        per_service = [name for name in exports if name.startswith("AWS_ENDPOINT_URL_")]
        for name in [*(n for n in exports if n not in per_service), *per_service]:  # the long tail last
            print(f"export {name}={shlex.quote(exports[name])}")
        sys.stdout.flush()
        stop.wait()  # the signal handler runs in this thread and wakes it at once
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; called without `argv` (as the `awsfake` program), the process ends right here.

    Once every server has stopped and the output is flushed there is nothing left to clean up, and the
    interpreter's own teardown of a few hundred modules took 170 of the 200 ms from SIGTERM to exit.
    """
    code = _serve(_parser().parse_args(argv))
    if argv is None:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
