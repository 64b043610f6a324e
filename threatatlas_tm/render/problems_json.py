"""Problems as one JSON document: stable keys and order, for scripts and editors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from threatatlas_tm.core.problems import Problem
from threatatlas_tm.core.validate import FileReport

SCHEMA_VERSION = 1


def _problem(p: Problem) -> dict[str, Any]:
    return {
        "line": p.span.line, "column": p.span.column, "end_line": p.span.end_line, "end_column": p.span.end_column,
        "level": str(p.level), "rule": p.rule, "message": p.message, "hint": p.hint, "path": p.path,
    }


def render(reports: Sequence[FileReport], color: bool = False) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "valid": all(r.ok for r in reports),
        "files": [{"file": r.file, "valid": r.ok, "problems": [_problem(p) for p in r.problems]} for r in reports],
        "summary": {
            "files": len(reports),
            "errors": sum(len(r.errors) for r in reports),
            "warnings": sum(len(r.problems) - len(r.errors) for r in reports),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
