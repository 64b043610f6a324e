"""The report model: everything the Markdown and DOCX reports say, computed once from the
threat model and its posture, in display order. Renderers only lay it out."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from threatatlas_tm.core.model import Diagram, Mitigation, Threat, ThreatModel
from threatatlas_tm.core.posture import SEVERITY_ORDER, StatusResult

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}


@dataclass(frozen=True)
class ThreatRow:
    threat: Threat
    element_name: str
    severity: str  # "unscored" when there is no score
    mitigations: tuple[Mitigation, ...]  # the mitigations that list it or sit on its element


@dataclass(frozen=True)
class AcceptedRisk:
    threat: Threat
    expired: bool


@dataclass(frozen=True)
class Report:
    result: StatusResult
    generated_at: str
    metadata: tuple[tuple[str, str], ...]  # (label, value) of what the product states
    matrix: tuple[tuple[int, ...], ...]  # [likelihood 5..1][impact 1..5] → threat count
    diagrams: tuple[Diagram, ...]
    threats: tuple[ThreatRow, ...]
    mitigations: tuple[Mitigation, ...]
    accepted: tuple[AcceptedRisk, ...]

    @property
    def model(self) -> ThreatModel:
        return self.result.posture.model


def _metadata(model: ThreatModel) -> tuple[tuple[str, str], ...]:
    p = model.product
    owner = f"{p.owner.name} <{p.owner.email}>" if p.owner and p.owner.email else (p.owner.name if p.owner else "")
    rows = [("Product id", str(p.id)), ("Status", p.status or ""), ("Business area", p.business_area or ""),
            ("Owner", owner), ("Repository", p.repository_url or ""), ("Application", p.application_url or ""),
            ("Last reviewed", p.last_reviewed or ""), ("Tags", ", ".join(p.tags)), ("Model file", model.file)]
    return tuple((label, value) for label, value in rows if value)


def _matrix(threats: Sequence[Threat]) -> tuple[tuple[int, ...], ...]:
    counts = {(t.likelihood, t.impact): 0 for t in threats}
    for t in threats:
        counts[(t.likelihood, t.impact)] += 1
    return tuple(tuple(counts.get((likelihood, impact), 0) for impact in range(1, 6)) for likelihood in range(5, 0, -1))


def _related(model: ThreatModel) -> dict[str, tuple[Mitigation, ...]]:
    """Per threat id: the mitigations that list it or apply to its element (the gate's rule)."""
    element_of = {t.id: t.element for t in model.threats}
    by_threat: dict[str, set[int]] = {}
    by_element: dict[str, set[int]] = {}
    for index, m in enumerate(model.mitigations):
        for threat_id in m.threats:
            by_threat.setdefault(threat_id, set()).add(index)
        for element in {m.element, *(element_of.get(x) for x in m.threats)} - {None}:
            by_element.setdefault(str(element), set()).add(index)
    related = {}
    for t in model.threats:
        indexes = by_threat.get(t.id, set()) | (by_element.get(t.element, set()) if t.element else set())
        related[t.id] = tuple(model.mitigations[i] for i in sorted(indexes))
    return related


def _threat_rows(model: ThreatModel) -> tuple[ThreatRow, ...]:
    names = {x.id: x.name for x in model.targets}
    related = _related(model)
    rows = [ThreatRow(t, names.get(t.element or "", t.element or ""), t.severity or "unscored", related[t.id])
            for t in model.threats]
    return tuple(sorted(rows, key=lambda r: (SEVERITY_RANK[r.severity], r.threat.id)))


def _expired(expires: str | None, today: datetime.date) -> bool:
    try:
        return expires is not None and datetime.date.fromisoformat(expires) < today
    except ValueError:
        return False


def safe_name(product_name: str) -> str:
    """ThreatAtlas's download name rule: every character that is not alphanumeric, '-' or '_'
    becomes '_', '_' is stripped from both ends, 'product' if nothing is left."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in product_name).strip("_")
    return safe or "product"


def report_file_name(product_name: str, extension: str) -> str:
    return f"{safe_name(product_name)}-report.{extension}"


def build_report(result: StatusResult) -> Report:
    model = result.posture.model
    generated_at = result.document["generated_at"]
    today = datetime.datetime.fromisoformat(generated_at).date()
    accepted = tuple(AcceptedRisk(t, _expired(t.acceptance.expires if t.acceptance else None, today))
                     for t in model.threats if t.status == "accepted")
    return Report(
        result=result, generated_at=generated_at, metadata=_metadata(model),
        matrix=_matrix([t for t in model.threats if t.risk_score is not None]),
        diagrams=model.diagrams, threats=_threat_rows(model),
        mitigations=tuple(sorted(model.mitigations, key=lambda m: m.id)), accepted=accepted,
    )
