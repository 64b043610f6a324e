"""The reference ceiling for bench_server.py: a WSGI app that only returns one file's bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

_BODY = open(os.environ.get("STATIC_FILE", __file__), "rb").read()  # noqa: SIM115 - read once at import


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))])
    return [_BODY]
