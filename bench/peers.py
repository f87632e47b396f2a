"""The servers the benchmarks compare, each in its own process so that its work and the client's don't share one
interpreter lock:

- awsfake: `awsfake serve --quiet` on a free port, every signature verified;
- moto: moto's ThreadedMotoServer (it takes any keys and checks no signature);
- bare: a WSGI app answering a constant to anything, on awsfake's own server (`awsfake.server.serve_app`): the
  HTTP layer's floor, without the pipeline (no parsing, signature, service or rendering);
- raw: a Python thread per connection doing recv, split the head, sendall a constant: no HTTP library and no
  WSGI, what any Python server pays for TCP and a thread.

Run as a script, this file is the server process for the last three and for a profiled awsfake:
`python bench/peers.py moto|bare|raw` prints its URL and serves until it is terminated;
`python bench/peers.py awsfake-profiled PATH` is `awsfake serve` that starts profiling on SIGUSR1 and writes the
profile to PATH when it is terminated (see `start_awsfake_profiled`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("awsfake", "moto", "bare", "raw")
FLOORS = ("bare", "raw")  # they answer a constant to anything
ANY_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # servers that check no signature


@dataclass
class Server:
    """A server process, the environment a client needs to reach it (URL and keys), and how to stop it."""

    name: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start(name: str, prefix: Sequence[str] = ()) -> Server:
    """One of `NAMES`; `prefix` goes before its command (a tool the server runs under, such as valgrind)."""
    return start_awsfake(prefix=prefix) if name == "awsfake" else _start_script(name, prefix)


def start_awsfake(*options: str, prefix: Sequence[str] = ()) -> Server:
    """`awsfake serve` on a free port with `options` (such as `--data-dir DIR`); its `export` lines say where and
    with which keys."""
    cmd = [*prefix, sys.executable, "-m", "awsfake.cli", "serve", "--port", "0", "--quiet", *options]
    return _read_exports("awsfake", _popen(cmd))


def start_awsfake_profiled(path: Path) -> Server:
    """`awsfake serve` ready to profile: `start_profiling` turns cProfile on in every thread the server starts
    after it (the connections': what came before, set-up and warm-up, is left out), with each thread's CPU time
    as the clock; stopping the server writes the profile to `path` (a `pstats` file)."""
    return _read_exports("awsfake", _popen([sys.executable, __file__, "awsfake-profiled", str(path)]))


def start_profiling(server: Server) -> None:
    """Signal a server from `start_awsfake_profiled` and wait for its word that profiling is on."""
    assert server.process.stdout is not None
    os.kill(server.pid, signal.SIGUSR1)
    while line := server.process.stdout.readline():  # past the rest of its `export` lines
        if line == b"profiling\n":
            return
    raise RuntimeError("the profiled server did not start profiling")


def _popen(cmd: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)


def _read_exports(name: str, process: subprocess.Popen[bytes]) -> Server:
    assert process.stdout is not None
    exports: dict[str, str] = {}
    while line := process.stdout.readline():
        key, _, value = line.decode().removeprefix("export ").strip().partition("=")
        exports[key] = value.strip("'")
        if {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= exports.keys():
            return Server(name, process, exports)
    process.kill()
    raise RuntimeError(f"{name} did not start")


def _start_script(name: str, prefix: Sequence[str] = ()) -> Server:
    """This file run as `name`'s server; its first line is its URL."""
    process = _popen([*prefix, sys.executable, __file__, name])
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        process.kill()
        raise RuntimeError(f"{name} did not start")
    return Server(name, process, {"AWS_ENDPOINT_URL": url, **ANY_KEYS})


# ---------------------------------------------------------------- the server processes (run as a script)


def _announce(url: str) -> None:
    print(url, flush=True)


def serve_moto() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    _announce(f"http://{host}:{port}")
    threading.Event().wait()


def _constant(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", "2")])
    return [b"ok"]


def serve_bare() -> None:
    from awsfake.server import serve_app

    with serve_app(_constant) as running:
        _announce(running.url)
        threading.Event().wait()


RAW_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 2\r\n\r\nok"


def serve_raw() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        _announce(f"http://127.0.0.1:{listener.getsockname()[1]}")
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=_answer_raw, args=(connection,), daemon=True).start()


def _answer_raw(connection: socket.socket) -> None:
    """Keep-alive until the client closes: read a head, skip its body (Content-Length), send the constant."""
    with connection:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                if not (data := connection.recv(65536)):
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = _content_length(head)
            while len(pending) < length:
                if not (data := connection.recv(65536)):
                    return
                pending += data
            pending = pending[length:]
            connection.sendall(RAW_ANSWER)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def serve_awsfake_profiled(path: str) -> None:
    import cProfile
    import pstats
    import time

    from awsfake.cli import main

    profiles: list[cProfile.Profile] = []

    def profile_this_thread(frame: FrameType, event: str, arg: object) -> None:
        profiler = cProfile.Profile(time.thread_time)  # CPU time: a thread waiting on its socket costs nothing
        profiles.append(profiler)
        profiler.enable()  # replaces this hook in this thread

    def on_signal(signum: int, frame: FrameType | None) -> None:
        threading.setprofile(profile_this_thread)
        print("profiling", flush=True)

    signal.signal(signal.SIGUSR1, on_signal)
    main(["serve", "--port", "0", "--quiet"])  # returns once terminated and every connection is done
    if profiles:
        pstats.Stats(*profiles).dump_stats(path)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Serve one of the peers until terminated (its URL goes first).")
    parser.add_argument("server", choices=("moto", "bare", "raw", "awsfake-profiled"))
    parser.add_argument("path", nargs="?", help="awsfake-profiled: where the profile goes")
    args = parser.parse_args()
    if args.server == "awsfake-profiled":
        if not args.path:
            parser.error("awsfake-profiled needs a PATH")
        serve_awsfake_profiled(args.path)
    else:
        {"moto": serve_moto, "bare": serve_bare, "raw": serve_raw}[args.server]()


if __name__ == "__main__":
    main()
