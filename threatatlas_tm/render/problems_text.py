"""gcc-style problem lines, which editors and terminals turn into links."""

from __future__ import annotations

import re
from collections.abc import Sequence

from threatatlas_tm.core.problems import Level, Problem
from threatatlas_tm.core.validate import FileReport

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """User text (keys, ids, values) is quoted into messages; escape what could forge a line
    or drive the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _line(problem: Problem, color: bool) -> str:
    where = f"{printable(problem.file)}:{problem.span.line}:{problem.span.column}:"
    level = f"{problem.level}[{problem.rule}]"
    message = printable(problem.message)
    text = f"{where} {level} {message}"
    if color:
        tint = _RED if problem.level is Level.ERROR else _YELLOW
        text = f"{_BOLD}{where}{_RESET} {tint}{level}{_RESET} {message}"
    if problem.hint:
        hint = f"    hint: {printable(problem.hint)}"
        text += "\n" + (f"{_DIM}{hint}{_RESET}" if color else hint)
    return text


def render(reports: Sequence[FileReport], color: bool = False) -> str:
    lines = [_line(p, color) for report in reports for p in report.problems]
    return "".join(line + "\n" for line in lines)


def summary(reports: Sequence[FileReport]) -> str:
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.problems) for r in reports) - errors
    bad = sum(1 for r in reports if not r.ok)
    files = f"{len(reports)} file" + ("s" if len(reports) != 1 else "")
    if not errors and not warnings:
        return f"{files} checked: valid"
    counts = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    return f"{files} checked: {counts} ({bad} invalid)"
