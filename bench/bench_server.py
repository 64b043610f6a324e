"""Requests per second of the server under a bounded local load: 20 concurrent connections
for 10 seconds (wrk, 2 threads), for the cached security-status and report.md, with the
threaded `serve` and with gunicorn; and a static file of the same size served by the same
server as the ceiling. Target: security-status at least 70% of the static rate.

    python bench/bench_server.py [--seconds 10] [--connections 20]

Needs wrk (Debian package `wrk`) and gunicorn (pip install '.[server]').
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples"
STATUS = "/api/products/1/security-status?fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env},
                               cwd=ROOT / "bench")
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"could not start {command}")


def wrk(url: str, seconds: int, connections: int, token: str | None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        tokens = Path(tmp, "tokens.yaml")
        token = subprocess.run([str(BIN / "threatatlas-tm"), "token", "create", "--name", "bench", "--tokens", str(tokens)],
                               capture_output=True, text=True, check=True).stdout.strip()
        static_file = Path(tmp, "status.json")
        print(f"{args.connections} connections, {args.seconds} s each, 2 wrk threads; requests/s")
        print(f"{'server':>10}  {'static file':>12}  {'security-status':>16}  {'report.md':>10}  status/static")
        for name in ("threaded", "gunicorn"):
            port, static_port = free_port(), free_port()
            base, static = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{static_port}"
            env = {"THREATATLAS_MODELS": str(EXAMPLE), "THREATATLAS_TOKENS": str(tokens), "STATIC_FILE": str(static_file)}
            if name == "threaded":
                app = [str(BIN / "threatatlas-tm"), "serve", str(EXAMPLE), "--port", str(port), "--tokens", str(tokens)]
                ceiling = [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); from static_app import app; "
                           "from threatatlas_tm.server.run import _ThreadingServer, _QuietHandler; "
                           "from wsgiref.simple_server import make_server; "
                           f"make_server('127.0.0.1', {static_port}, app, server_class=_ThreadingServer, "
                           "handler_class=_QuietHandler).serve_forever()"]
            else:
                common = ["--workers", "2", "--log-level", "warning"]
                app = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", *common,
                       "threatatlas_tm.server.app:create_app_from_env()"]
                ceiling = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{static_port}", *common, "static_app:app"]
            server = start(app, base + "/health", env)
            request = urllib.request.Request(base + STATUS, headers={"Authorization": f"Bearer {token}"})
            static_file.write_bytes(urllib.request.urlopen(request).read())  # the same bytes, served statically
            ceiling_server = start(ceiling, static, env)
            try:
                rates = [wrk(static, args.seconds, args.connections, None),
                         wrk(base + STATUS, args.seconds, args.connections, token),
                         wrk(base + "/api/products/1/download/report.md", args.seconds, args.connections, token)]
            finally:
                for process in (server, ceiling_server):
                    process.terminate()
                    process.wait(timeout=20)
            print(f"{name:>10}  {rates[0]:12.0f}  {rates[1]:16.0f}  {rates[2]:10.0f}  {rates[1] / rates[0]:8.0%}")


if __name__ == "__main__":
    main()
