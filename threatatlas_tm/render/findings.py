"""What the CI formats share: the failing threats as located findings, with stable fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from threatatlas_tm.core.posture import GateCheck, StatusResult
from threatatlas_tm.core.problems import Span


@dataclass(frozen=True)
class Finding:
    check: GateCheck
    file: str  # repository-relative, forward slashes
    span: Span
    title: str
    message: str
    severity: str  # the threat's severity, or "ratio" for the ratio check
    fingerprint: str  # stable across edits that move lines: gate, product and threat ids only


def artifact_path(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            pass
    return path.as_posix()


def fingerprint(check_id: str, product_id: int, subject: str) -> str:
    return hashlib.sha256(f"threatatlas-tm/{check_id}/{product_id}/{subject}".encode()).hexdigest()[:32]


def findings(results: Sequence[StatusResult]) -> Iterator[Finding]:
    """One finding per failing threat of each failed check; the ratio check points at the product."""
    for result in results:
        model = result.posture.model
        path = artifact_path(model.file)
        for gate in result.posture.gates:
            if not gate.failed:
                continue
            for threat in gate.threats:
                severity = threat.severity or "unscored"
                yield Finding(gate.check, path, threat.span, f"{threat.id}: {threat.title}",
                              f"{threat.id} ({severity}) {threat.title}: {gate.check.title.lower()}. {gate.message}.",
                              severity, fingerprint(gate.check.id, model.product.id, threat.id))
            if not gate.threats:
                yield Finding(gate.check, path, model.product_span, f"{model.product.name}: {gate.check.title}",
                              f"{model.product.name}: {gate.message}.", "ratio",
                              fingerprint(gate.check.id, model.product.id, "product"))
