"""The servers benchmarks compare, each started in its own process so that its work and the clients' don't share
one interpreter lock. Each start returns the process and the environment a client needs to reach it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

Started = tuple["subprocess.Popen[bytes]", dict[str, str]]


def start_awsfake() -> Started:
    """`awsfake serve` on a free port; its own `export` lines say where and with which keys."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "awsfake.cli", "serve", "--port", "0", "--quiet"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    exports: dict[str, str] = {}
    for line in process.stdout:
        name, _, value = line.decode().removeprefix("export ").strip().partition("=")
        exports[name] = value.strip("'")
        if {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= exports.keys():
            return process, exports
    raise RuntimeError("awsfake serve did not start")


def start_moto() -> Started:
    """moto's ThreadedMotoServer on a free port (it takes any keys and checks no signature)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = (
        "import time\nfrom moto.server import ThreadedMotoServer\n"
        f"ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False).start()\ntime.sleep(1e9)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            url = f"http://127.0.0.1:{port}"
            return process, {
                "AWS_ENDPOINT_URL": url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
            }
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto did not start")


def start_bare() -> Started:
    """A WSGI app answering a constant 200 to anything, on awsfake's own keep-alive werkzeug server: the HTTP
    layer's floor, without the pipeline (no parsing, signature, service or rendering)."""
    code = (
        "import sys, time\nfrom awsfake.server import serve_app\n"
        "def app(environ, start_response):\n"
        "    environ['wsgi.input'].read()\n"
        "    start_response('200 OK', [('Content-Type', 'text/xml'), ('Content-Length', '2')])\n"
        "    return [b'ok']\n"
        "with serve_app(app) as running:\n"
        "    print(running.url, flush=True)\n"
        "    time.sleep(1e9)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        process.kill()
        raise RuntimeError("the bare server did not start")
    return process, {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "bare", "AWS_SECRET_ACCESS_KEY": "bare"}


def port_of(env: dict[str, str]) -> int:
    return int(env["AWS_ENDPOINT_URL"].rsplit(":", 1)[1])
