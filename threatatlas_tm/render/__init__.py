"""The one registry of output formats. Renderers return str; the CLI writes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from threatatlas_tm.render import problems_json, problems_text


@dataclass(frozen=True)
class OutputFormat:
    name: str
    summary: str
    render: Callable[..., str]


FORMATS: dict[str, dict[str, OutputFormat]] = {
    "validate": {
        "text": OutputFormat("text", "file:line:col: error[rule] message, then a hint (gcc style)",
                             problems_text.render),
        "json": OutputFormat("json", "one JSON document with every file and problem", problems_json.render),
    },
}


def format_names(command: str) -> Sequence[str]:
    return tuple(FORMATS[command])


def render(command: str, name: str, *args: Any, **kwargs: Any) -> str:
    return FORMATS[command][name].render(*args, **kwargs)
