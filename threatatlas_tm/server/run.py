"""`serve`: the application on a threaded stdlib server, for local use and small teams."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from threatatlas_tm.errors import UsageProblem
from threatatlas_tm.server.app import Config, create_app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Access log lines: client, request line, status. No headers, so never a token."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def is_loopback(host: str) -> bool:
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback
                   for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP))
    except (OSError, ValueError):
        return False


def serve_forever(models: Path, host: str, port: int, tokens: Path | None, no_auth: bool) -> None:
    if tokens is None and not no_auth:
        raise UsageProblem("refusing to serve without authentication: pass --tokens FILE "
                           "(threatatlas-tm token create), or --no-auth on a loopback address")
    if tokens is not None and no_auth:
        raise UsageProblem("--tokens and --no-auth contradict each other")
    if no_auth and not is_loopback(host):
        raise UsageProblem(f"--no-auth is only allowed on a loopback address, not {host}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(Config(models, tokens))
    conflicts = app.store.snapshot.conflicts
    if conflicts:
        raise UsageProblem("; ".join(conflicts))
    with make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler) as server:
        print(f"threatatlas-tm: serving {len(app.store.snapshot.products)} product(s) from {models} on "
              f"http://{host}:{server.server_port}/", file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
