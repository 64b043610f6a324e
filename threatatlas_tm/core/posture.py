"""The security posture: ThreatAtlas's GET /api/products/{id}/security-status, computed offline.

Counting, rounding, messages and key order are the hosted endpoint's, character for
character. The one mapping we add, for YAML: a mitigation applies to its own element and to
the elements of the threats it lists. A high or critical threat is unmitigated when its status
is not `mitigated`, no active (implemented or verified) mitigation applies to its element, and
no active mitigation lists it. `accepted` does not exempt a threat, as in ThreatAtlas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from threatatlas_tm.core.model import Threat, ThreatModel

SEVERITY_ORDER = ("critical", "high", "medium", "low", "unscored")


@dataclass(frozen=True)
class GateCheck:
    """One check of the gate, named after the query parameter that turns it on."""

    id: str
    parameter: str
    title: str
    description: str
    security_severity: str  # SARIF / GitHub code scanning: 9.0+ critical, 7.0+ high, 4.0+ medium


GATE_CHECKS = (
    GateCheck("critical-threat", "fail_on_critical", "Critical threat present",
              "The model holds a threat of critical severity (risk score 20 or more), whatever its status.", "9.5"),
    GateCheck("unmitigated-high", "fail_on_unmitigated_high", "High or critical threat without active mitigation",
              "A high or critical threat whose status is not mitigated, with no implemented or verified "
              "mitigation on its element and none that lists it.", "8.0"),
    GateCheck("mitigation-ratio", "min_mitigation_ratio", "Mitigation ratio below threshold",
              "The share of threats whose status is mitigated, rounded to 4 decimals, is below the required ratio.",
              "5.0"),
)


@dataclass(frozen=True)
class Thresholds:
    fail_on_critical: bool = False
    fail_on_unmitigated_high: bool = False
    min_mitigation_ratio: float | None = None


@dataclass(frozen=True)
class GateResult:
    check: GateCheck
    enabled: bool
    message: str | None  # the failure text; None when the check passed or is off
    threats: tuple[Threat, ...] = ()  # the threats behind a failure, in model order

    @property
    def failed(self) -> bool:
        return self.message is not None


@dataclass(frozen=True)
class Posture:
    model: ThreatModel
    thresholds: Thresholds
    by_severity: tuple[tuple[str, int], ...]
    active_mitigations: int
    mitigated_threats: int
    mitigation_ratio: float
    unmitigated_high: tuple[Threat, ...]
    gates: tuple[GateResult, ...]

    @property
    def failures(self) -> list[str]:
        return [gate.message for gate in self.gates if gate.message is not None]

    @property
    def passed(self) -> bool:
        return not self.failures


def mitigation_ratio(mitigated: int, total: int) -> float:
    return 1.0 if total == 0 else round(mitigated / total, 4)


def unmitigated_high_threats(model: ThreatModel, severities: list[str | None] | None = None) -> tuple[Threat, ...]:
    if severities is None:
        severities = [t.severity for t in model.threats]
    element_of = {t.id: t.element for t in model.threats}
    covered_elements: set[str] = set()
    listed: set[str] = set()
    for m in model.mitigations:
        if m.active:
            listed.update(m.threats)
            covered_elements.update(e for e in (m.element, *(element_of.get(t) for t in m.threats)) if e)
    return tuple(
        t for t, severity in zip(model.threats, severities)
        if severity in ("high", "critical") and t.status != "mitigated"
        and t.id not in listed and (t.element is None or t.element not in covered_elements)
    )


def evaluate(model: ThreatModel, thresholds: Thresholds) -> Posture:
    severities = [t.severity for t in model.threats]
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for severity in severities:
        counts[severity or "unscored"] += 1
    mitigated = sum(1 for t in model.threats if t.status == "mitigated")
    ratio = mitigation_ratio(mitigated, len(model.threats))
    unmitigated = unmitigated_high_threats(model, severities)
    critical = tuple(t for t, severity in zip(model.threats, severities) if severity == "critical")
    critical_check, high_check, ratio_check = GATE_CHECKS
    minimum = thresholds.min_mitigation_ratio
    gates = (
        GateResult(critical_check, thresholds.fail_on_critical,
                   f"{len(critical)} critical threat(s) require immediate attention"
                   if thresholds.fail_on_critical and critical else None, critical),
        GateResult(high_check, thresholds.fail_on_unmitigated_high,
                   f"{len(unmitigated)} high/critical threat(s) have no active mitigation"
                   if thresholds.fail_on_unmitigated_high and unmitigated else None, unmitigated),
        GateResult(ratio_check, minimum is not None,
                   f"Mitigation ratio {ratio:.0%} is below required threshold {minimum:.0%}"
                   if minimum is not None and ratio < minimum else None),
    )
    return Posture(
        model=model, thresholds=thresholds, by_severity=tuple(counts.items()),
        active_mitigations=sum(1 for m in model.mitigations if m.active), mitigated_threats=mitigated,
        mitigation_ratio=ratio, unmitigated_high=unmitigated, gates=gates,
    )


def status_document(posture: Posture, generated_at: str) -> dict[str, Any]:
    """The hosted response body, keys in the hosted order."""
    model, thresholds = posture.model, posture.thresholds
    return {
        "product_id": model.product.id,
        "product_name": model.product.name,
        "generated_at": generated_at,
        "thresholds": {
            "fail_on_critical": thresholds.fail_on_critical,
            "fail_on_unmitigated_high": thresholds.fail_on_unmitigated_high,
            "min_mitigation_ratio": thresholds.min_mitigation_ratio,
        },
        "summary": {
            "total_threats": len(model.threats),
            "by_severity": dict(posture.by_severity),
            "total_mitigations": len(model.mitigations),
            "active_mitigations": posture.active_mitigations,
            "mitigated_threats": posture.mitigated_threats,
            "mitigation_ratio": posture.mitigation_ratio,
        },
        "pass": posture.passed,
        "failures": posture.failures,
    }


def ratio_percent_floor(ratio: float) -> int:
    """What the guide's `jq '.summary.mitigation_ratio * 100 | floor'` prints (same float maths)."""
    return math.floor(ratio * 100)


@dataclass(frozen=True)
class StatusResult:
    """What every status output format renders: the posture, its hosted document, and where
    each threshold came from."""

    posture: Posture
    document: dict[str, Any]
    sources: tuple[tuple[str, str], ...] = ()
