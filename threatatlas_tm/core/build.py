"""Turn a schema-valid document into the frozen ThreatModel."""

from __future__ import annotations

from typing import Any

from threatatlas_tm.core.locate import locate
from threatatlas_tm.core.model import (
    Acceptance, Diagram, Element, Flow, Mitigation, Owner, Path, Product, Threat, ThreatModel,
)
from threatatlas_tm.core.problems import Span
from threatatlas_tm.core.yamlload import Node, YamlDocument


def build_model(file: str, document: YamlDocument) -> ThreatModel:
    return _Builder(document.root).model(file, document.data)


class _Builder:
    def __init__(self, root: Node) -> None:
        self.root = root

    def span(self, path: Path) -> Span:
        return locate(self.root, path).node.span

    def model(self, file: str, data: dict[str, Any]) -> ThreatModel:
        return ThreatModel(
            file=file,
            product=_product(data["product"]),
            product_span=self.span(("product",)),
            diagrams=tuple(self.diagram(d, ("diagrams", i)) for i, d in enumerate(data.get("diagrams", ()))),
            threats=tuple(self.threat(t, ("threats", i)) for i, t in enumerate(data.get("threats", ()))),
            mitigations=tuple(self.mitigation(m, ("mitigations", i)) for i, m in enumerate(data.get("mitigations", ()))),
        )

    def diagram(self, d: dict[str, Any], path: Path) -> Diagram:
        return Diagram(
            id=d["id"], name=d["name"], span=self.span(path), path=path, description=d.get("description", ""),
            elements=tuple(self.element(e, d["id"], (*path, "elements", i)) for i, e in enumerate(d.get("elements", ()))),
            flows=tuple(self.flow(f, d["id"], (*path, "flows", i)) for i, f in enumerate(d.get("flows", ()))),
        )

    def element(self, e: dict[str, Any], diagram: str, path: Path) -> Element:
        return Element(
            id=e["id"], type=e["type"], name=e["name"], span=self.span(path), path=path, diagram=diagram,
            description=e.get("description", ""), boundary=e.get("boundary"), technology=e.get("technology"),
        )

    def flow(self, f: dict[str, Any], diagram: str, path: Path) -> Flow:
        return Flow(
            id=f["id"], source=f["from"], target=f["to"], name=f["name"], span=self.span(path), path=path,
            diagram=diagram, description=f.get("description", ""), protocol=f.get("protocol"),
            encrypted=f.get("encrypted"), authenticated=f.get("authenticated"),
        )

    def threat(self, t: dict[str, Any], path: Path) -> Threat:
        acceptance = t.get("acceptance")
        return Threat(
            id=t["id"], title=t["title"], span=self.span(path), path=path, element=t.get("element"),
            framework=t.get("framework", "STRIDE"), category=t.get("category"), description=t.get("description", ""),
            likelihood=_int_or_none(t.get("likelihood")), impact=_int_or_none(t.get("impact")),
            declared_severity=t.get("severity"), status=t.get("status", "identified"),
            acceptance=Acceptance(acceptance["justification"], acceptance["approver"], acceptance.get("expires"))
            if acceptance else None,
            references=tuple(t.get("references", ())),
        )

    def mitigation(self, m: dict[str, Any], path: Path) -> Mitigation:
        return Mitigation(
            id=m["id"], title=m["title"], span=self.span(path), path=path, element=m.get("element"),
            threats=tuple(m.get("threats", ())), status=m.get("status", "proposed"), category=m.get("category"),
            description=m.get("description", ""), evidence=tuple(m.get("evidence", ())),
        )


def _product(p: dict[str, Any]) -> Product:
    owner = p.get("owner")
    return Product(
        id=int(p["id"]), name=p["name"], description=p.get("description", ""), status=p.get("status"),
        business_area=p.get("business_area"),
        owner=Owner(owner["name"], owner.get("email")) if owner else None,
        repository_url=p.get("repository_url"), application_url=p.get("application_url"),
        last_reviewed=p.get("last_reviewed"), tags=tuple(p.get("tags", ())),
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)  # the schema allows 3.0 as an integer
