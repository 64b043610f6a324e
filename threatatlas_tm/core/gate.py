"""`status` in the core: find the models, validate them, resolve thresholds, evaluate each product."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatatlas_tm.core.config import load_config
from threatatlas_tm.core.discover import discover
from threatatlas_tm.core.model import GateSettings, ThreatModel
from threatatlas_tm.core.posture import StatusResult, evaluate, status_document
from threatatlas_tm.core.thresholds import (
    CONFIG_FILE, ThresholdError, generated_at, parse_query, repository_root, resolve,
)
from threatatlas_tm.core.validate import FileReport, check_file, unreadable_report


@dataclass(frozen=True)
class StatusRequest:
    paths: Sequence[str]
    flags: dict[str, Any] = field(default_factory=dict)  # parameter → value, None when not given
    query: str | None = None
    product: int | None = None
    generated_at: str | None = None
    cwd: Path = field(default_factory=Path.cwd)


@dataclass(frozen=True)
class StatusRun:
    results: tuple[StatusResult, ...]
    invalid: tuple[FileReport, ...]  # models or the config that could not be used, with their problems


def _config(cwd: Path) -> tuple[GateSettings | None, str, FileReport | None]:
    path = repository_root(cwd) / CONFIG_FILE
    if not path.is_file():
        return None, str(path), None
    settings, report = load_config(path)
    return settings, str(path), None if report.ok else report


def _select(models: list[ThreatModel], product: int | None) -> list[ThreatModel]:
    seen: dict[int, str] = {}
    for model in models:
        if model.product.id in seen:
            raise ThresholdError(f"product id {model.product.id} is defined by both {seen[model.product.id]} "
                                 f"and {model.file}; give each product its own id")
        seen[model.product.id] = model.file
    if product is None:
        return models
    chosen = [m for m in models if m.product.id == product]
    if not chosen:
        raise ThresholdError(f"no model for product {product} (found: {', '.join(map(str, sorted(seen))) or 'none'})")
    return chosen


def run_status(request: StatusRequest) -> StatusRun:
    query = parse_query(request.query) if request.query else {}
    stamp = generated_at(request.generated_at)
    config, config_file, config_problems = _config(request.cwd)
    if config_problems is not None:
        return StatusRun((), (config_problems,))
    found = discover(request.paths)
    reports = [check_file(path) for path in found.files]
    reports += [unreadable_report(path, reason) for path, reason in found.unreadable]
    invalid = tuple(r for r in reports if r.model is None)
    models = _select([r.model for r in reports if r.model is not None], request.product)
    results = []
    for model in models:
        resolved = resolve(request.flags, query, model.gate, model.file, config, config_file)
        posture = evaluate(model, resolved.thresholds)
        results.append(StatusResult(posture, status_document(posture, stamp), resolved.sources))
    return StatusRun(tuple(results), invalid)
