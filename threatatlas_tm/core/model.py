"""The threat model past the parser: frozen, typed, and carrying where each entity was written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from threatatlas_tm.core.problems import Span

Path = tuple[str | int, ...]  # JSON path of an entity in its file, e.g. ("threats", 3)

ACTIVE_MITIGATION_STATUSES = frozenset({"implemented", "verified"})


@dataclass(frozen=True)
class Owner:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    description: str = ""
    status: str | None = None
    business_area: str | None = None
    owner: Owner | None = None
    repository_url: str | None = None
    application_url: str | None = None
    last_reviewed: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Element:
    id: str
    type: str
    name: str
    span: Span
    path: Path
    diagram: str
    description: str = ""
    boundary: str | None = None
    technology: str | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str
    span: Span
    path: Path
    diagram: str
    description: str = ""
    protocol: str | None = None
    encrypted: bool | None = None
    authenticated: bool | None = None


@dataclass(frozen=True)
class Diagram:
    id: str
    name: str
    span: Span
    path: Path
    description: str = ""
    elements: tuple[Element, ...] = ()
    flows: tuple[Flow, ...] = ()


@dataclass(frozen=True)
class Acceptance:
    justification: str
    approver: str
    expires: str | None = None


@dataclass(frozen=True)
class Threat:
    id: str
    title: str
    span: Span
    path: Path
    element: str | None = None
    framework: str = "STRIDE"
    category: str | None = None
    description: str = ""
    likelihood: int | None = None
    impact: int | None = None
    declared_severity: str | None = None
    status: str = "identified"
    acceptance: Acceptance | None = None
    references: tuple[str, ...] = ()

    @property
    def risk_score(self) -> int | None:
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    @property
    def severity(self) -> str | None:
        """None means unscored. Scored threats use the hosted bands; otherwise the declared one."""
        score = self.risk_score
        return severity_for_score(score) if score is not None else self.declared_severity


@dataclass(frozen=True)
class Mitigation:
    id: str
    title: str
    span: Span
    path: Path
    element: str | None = None
    threats: tuple[str, ...] = ()
    status: str = "proposed"
    category: str | None = None
    description: str = ""
    evidence: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_MITIGATION_STATUSES


@dataclass(frozen=True)
class GateSettings:
    """Thresholds written in a model's `gate:` section or in threatatlas.yaml; None = not set."""

    fail_on_critical: bool | None = None
    fail_on_unmitigated_high: bool | None = None
    min_mitigation_ratio: float | None = None


@dataclass(frozen=True)
class ThreatModel:
    file: str
    product: Product
    product_span: Span
    diagrams: tuple[Diagram, ...] = ()
    threats: tuple[Threat, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    gate: GateSettings | None = None
    # id namespaces ("element", "threat", …) with entries the builder had to leave out, so
    # references into them cannot be judged; empty for a schema-valid model
    incomplete: frozenset[str] = frozenset()

    # cached: every rule walks them, and a model never changes once built
    @cached_property
    def elements(self) -> tuple[Element, ...]:
        return tuple(e for d in self.diagrams for e in d.elements)

    @cached_property
    def flows(self) -> tuple[Flow, ...]:
        return tuple(f for d in self.diagrams for f in d.flows)

    @cached_property
    def targets(self) -> tuple[Element | Flow, ...]:
        """What a threat or mitigation can name: every element and flow."""
        return (*self.elements, *self.flows)


def severity_for_score(score: int) -> str:
    if score >= 20:
        return "critical"
    if score >= 12:
        return "high"
    if score >= 6:
        return "medium"
    return "low"
