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


@dataclass(frozen=True)
class StatusRun:
    results: tuple[StatusResult, ...]
    invalid: tuple[FileReport, ...]  # models or the config that could not be used, with their problems


class _Configs:
    """threatatlas.yaml of each model's repository (found from the model, not from the current
    folder, so the gate does not change with where it is run), read once per repository."""

    def __init__(self) -> None:
        self.loaded: dict[Path, tuple[GateSettings | None, str, FileReport | None]] = {}

    def for_model(self, model_file: str) -> tuple[GateSettings | None, str, FileReport | None]:
        root = repository_root(Path(model_file).resolve().parent)
        if root not in self.loaded:
            path = root / CONFIG_FILE
            if path.is_file():
                settings, report = load_config(path)
                self.loaded[root] = (settings, str(path), None if report.ok else report)
            else:
                self.loaded[root] = (None, str(path), None)
        return self.loaded[root]


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
    found = discover(request.paths)
    reports = [check_file(path) for path in found.files]
    reports += [unreadable_report(path, reason) for path, reason in found.unreadable]
    invalid = [r for r in reports if r.model is None]
    models = _select([r.model for r in reports if r.model is not None], request.product)
    configs = _Configs()
    results = []
    for model in models:
        config, config_file, config_problems = configs.for_model(model.file)
        if config_problems is not None:  # an unusable config: its models are not judged
            if config_problems not in invalid:
                invalid.append(config_problems)
            continue
        resolved = resolve(request.flags, query, model.gate, model.file, config, config_file)
        posture = evaluate(model, resolved.thresholds)
        results.append(StatusResult(posture, status_document(posture, stamp), resolved.sources))
    return StatusRun(tuple(results), tuple(invalid))
