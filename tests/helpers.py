"""Shared by the test modules: run the core on text and pick problems apart."""

from __future__ import annotations

from threatatlas_tm.core.validate import FileReport, check_bytes


def check_text(text: str, file: str = "model.yaml") -> FileReport:
    return check_bytes(file, text.encode("utf-8"))


def positions(report: FileReport) -> list[tuple[str, int, int]]:
    return [(p.rule, p.span.line, p.span.column) for p in report.problems]
