"""Turn a parsed document into the frozen ThreatModel.

The builder is tolerant so that model rules can run even when the schema check found errors:
a value the schema rejected (its path is in `invalid`) or of the wrong type reads as a
"rejected" value that the rules pass over (an empty reference, no score, an unknown
framework), and an entity that is not a mapping with a text id is left out, marking its
namespace incomplete so references into it are not judged. The report then lists schema
and model problems together; only a schema-valid model is handed on to the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from threatatlas_tm.core.locate import locate
from threatatlas_tm.core.model import (
    Acceptance, Diagram, Element, Flow, GateSettings, Mitigation, Owner, Path, Product, Threat, ThreatModel,
)
from threatatlas_tm.core.problems import Span
from threatatlas_tm.core.yamlload import YamlDocument

T = TypeVar("T")
Entry = tuple[Path, dict[str, Any]]
_SAME = object()
# which id namespace a collection fills, for ThreatModel.incomplete
_KIND_OF = {"diagrams": "element", "elements": "element", "flows": "element", "threats": "threat",
            "mitigations": "mitigation"}


SpanOf = Callable[[Path, Any], Span]  # where the mapping at this path (this object) was written


def build_model(file: str, document: YamlDocument, invalid: frozenset[Path] | None = None) -> ThreatModel:
    """`invalid` None: the document is schema-valid; else the paths of the values it rejected."""
    root = document.root
    return build_from_data(file, document.data, lambda path, _: locate(root, path).node.span, invalid)


def build_from_data(file: str, data: Any, span_of: SpanOf, invalid: frozenset[Path] | None = None) -> ThreatModel:
    builder = _Builder(span_of, invalid or frozenset(), trusted=invalid is None)
    return builder.model(file, data if isinstance(data, dict) else {})


class _Builder:
    def __init__(self, span_of: SpanOf, invalid: frozenset[Path], trusted: bool) -> None:
        self.span_of = span_of
        self.invalid = invalid
        self.trusted = trusted  # the schema accepted every value: no type checks needed
        self.incomplete: set[str] = set()
        if trusted:  # the common case, on every CI run: plain lookups (a third of the build time)
            self.text = lambda data, path, key, default=None, rejected=_SAME: data.get(key, default)  # type: ignore[method-assign]
            self.strings = lambda data, path, key: tuple(data.get(key, ()))  # type: ignore[method-assign]

    def get(self, data: dict[str, Any], path: Path, key: str, kind: type[T] | tuple[type, ...], default: Any = None,
            rejected: Any = _SAME, checked: bool = True) -> Any:
        """`default` when the key is absent; `rejected` (the default unless given) when the
        value has the wrong type or the schema rejected it."""
        value = data.get(key)
        if value is None:
            return default
        if self.trusted:
            return value
        wrong = isinstance(value, bool) and kind is not bool or not isinstance(value, kind)
        if wrong or checked and (*path, key) in self.invalid:
            return default if rejected is _SAME else rejected
        return value

    def text(self, data: dict[str, Any], path: Path, key: str, default: str | None = None, rejected: Any = _SAME) -> Any:
        return self.get(data, path, key, str, default, rejected)

    def strings(self, data: dict[str, Any], path: Path, key: str) -> tuple[str, ...]:
        items = self.get(data, path, key, list, [], checked=False)  # a repeated item does not void the others
        return tuple(x for i, x in enumerate(items) if isinstance(x, str) and (*path, key, i) not in self.invalid)

    def score(self, data: dict[str, Any], path: Path, key: str) -> int | None:
        value = self.get(data, path, key, (int, float))
        return None if value is None or value != int(value) else int(value)

    def entries(self, data: dict[str, Any], path: Path, key: str) -> Iterator[Entry]:
        items = self.get(data, path, key, list, [], rejected=None, checked=False)
        if items is None:
            self.incomplete.add(_KIND_OF[key])
        for index, item in enumerate(items or ()):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                yield (*path, key, index), item
            else:
                self.incomplete.add(_KIND_OF[key])

    def model(self, file: str, data: dict[str, Any]) -> ThreatModel:
        diagrams = tuple(self.diagram(p, d) for p, d in self.entries(data, (), "diagrams"))
        threats = tuple(self.threat(p, t) for p, t in self.entries(data, (), "threats"))
        mitigations = tuple(self.mitigation(p, m) for p, m in self.entries(data, (), "mitigations"))
        product = self.get(data, (), "product", dict, {}, checked=False)
        return ThreatModel(
            file=file,
            product=self.product(product),
            product_span=self.span_of(("product",), product),
            diagrams=diagrams, threats=threats, mitigations=mitigations,
            gate=self.gate(self.get(data, (), "gate", dict, checked=False)),
            incomplete=frozenset(self.incomplete),
        )

    def gate(self, g: dict[str, Any] | None) -> GateSettings | None:
        if g is None:
            return None
        at: Path = ("gate",)
        ratio = self.get(g, at, "min_mitigation_ratio", (int, float))
        return GateSettings(self.get(g, at, "fail_on_critical", bool), self.get(g, at, "fail_on_unmitigated_high", bool),
                            None if ratio is None else float(ratio))

    def product(self, p: dict[str, Any]) -> Product:
        at: Path = ("product",)
        owner = self.get(p, at, "owner", dict, checked=False)
        return Product(
            id=self.get(p, at, "id", int, 0), name=self.text(p, at, "name", ""),
            description=self.text(p, at, "description", ""), status=self.text(p, at, "status"),
            business_area=self.text(p, at, "business_area"),
            owner=Owner(self.text(owner, (*at, "owner"), "name", ""), self.text(owner, (*at, "owner"), "email"))
            if owner else None,
            repository_url=self.text(p, at, "repository_url"), application_url=self.text(p, at, "application_url"),
            last_reviewed=self.text(p, at, "last_reviewed"), tags=self.strings(p, at, "tags"),
        )

    def diagram(self, path: Path, d: dict[str, Any]) -> Diagram:
        return Diagram(
            id=d["id"], name=self.text(d, path, "name", ""), span=self.span_of(path, d), path=path,
            description=self.text(d, path, "description", ""),
            elements=tuple(self.element(p, e, d["id"]) for p, e in self.entries(d, path, "elements")),
            flows=tuple(self.flow(p, f, d["id"]) for p, f in self.entries(d, path, "flows")),
        )

    def element(self, path: Path, e: dict[str, Any], diagram: str) -> Element:
        return Element(
            id=e["id"], type=self.text(e, path, "type", ""), name=self.text(e, path, "name", ""), span=self.span_of(path, e),
            path=path, diagram=diagram, description=self.text(e, path, "description", ""),
            boundary=self.text(e, path, "boundary", rejected=""), technology=self.text(e, path, "technology"),
        )

    def flow(self, path: Path, f: dict[str, Any], diagram: str) -> Flow:
        return Flow(
            id=f["id"], source=self.text(f, path, "from", ""), target=self.text(f, path, "to", ""),
            name=self.text(f, path, "name", ""), span=self.span_of(path, f), path=path, diagram=diagram,
            description=self.text(f, path, "description", ""), protocol=self.text(f, path, "protocol"),
            encrypted=self.get(f, path, "encrypted", bool), authenticated=self.get(f, path, "authenticated", bool),
        )

    def threat(self, path: Path, t: dict[str, Any]) -> Threat:
        # a malformed acceptance still counts as "an acceptance was given"
        acceptance = self.get(t, path, "acceptance", dict, checked=False, rejected={"justification": ""})
        at: Path = (*path, "acceptance")
        likelihood, impact = self.score(t, path, "likelihood"), self.score(t, path, "impact")
        # a rejected value also silences the checks that compare against it (no follow-on errors)
        if {(*path, "likelihood"), (*path, "impact")} & self.invalid:
            likelihood = impact = None
        if (*path, "status") in self.invalid:
            acceptance = None
        return Threat(
            id=t["id"], title=self.text(t, path, "title", ""), span=self.span_of(path, t), path=path,
            element=self.text(t, path, "element", rejected=""), framework=self.text(t, path, "framework", "STRIDE", ""),
            category=self.text(t, path, "category"), description=self.text(t, path, "description", ""),
            likelihood=likelihood, impact=impact,
            declared_severity=self.text(t, path, "severity"), status=self.text(t, path, "status", "identified"),
            acceptance=Acceptance(self.text(acceptance, at, "justification", ""), self.text(acceptance, at, "approver", ""),
                                  self.text(acceptance, at, "expires")) if acceptance else None,
            references=self.strings(t, path, "references"),
        )

    def mitigation(self, path: Path, m: dict[str, Any]) -> Mitigation:
        return Mitigation(
            id=m["id"], title=self.text(m, path, "title", ""), span=self.span_of(path, m), path=path,
            element=self.text(m, path, "element", rejected=""), threats=self.strings(m, path, "threats"),
            status=self.text(m, path, "status", "proposed"), category=self.text(m, path, "category"),
            description=self.text(m, path, "description", ""), evidence=self.strings(m, path, "evidence"),
        )
