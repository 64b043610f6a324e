"""threatatlas.yaml in the repository root: default gate thresholds for every model."""

from __future__ import annotations

from pathlib import Path

from threatatlas_tm.core.build import build_model
from threatatlas_tm.core.model import GateSettings
from threatatlas_tm.core.problems import sorted_problems
from threatatlas_tm.core.schema import check_schema
from threatatlas_tm.core.source import check_text, read_bytes
from threatatlas_tm.core.validate import FileReport
from threatatlas_tm.core.yamlload import parse_yaml


def load_config(path: Path) -> tuple[GateSettings | None, FileReport]:
    """The gate settings of a config file (None when it sets none) and its problems."""
    file = str(path)
    source, problem = check_text(file, read_bytes(path))
    if source is None:
        return None, FileReport(file, (problem,) if problem else (), None)
    parsed = parse_yaml(source)
    if parsed.document is None:
        return None, FileReport(file, parsed.problems, None)
    schema = check_schema(file, parsed.document, "config")
    problems = tuple(sorted_problems([*parsed.problems, *schema.problems]))
    if problems:
        return None, FileReport(file, problems, None)
    return build_model(file, parsed.document).gate, FileReport(file, (), None)
