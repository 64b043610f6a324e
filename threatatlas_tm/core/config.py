"""threatatlas.yaml in a repository root: default gate thresholds for every model."""

from __future__ import annotations

from pathlib import Path

from threatatlas_tm.core.model import GateSettings
from threatatlas_tm.core.source import read_bytes
from threatatlas_tm.core.validate import FileReport, check_document


def load_config(path: Path) -> tuple[GateSettings | None, FileReport]:
    """The gate settings of a config file (None when it sets none) and its problems."""
    report = check_document(str(path), read_bytes(path), "config")
    return (report.model.gate if report.model else None), report
