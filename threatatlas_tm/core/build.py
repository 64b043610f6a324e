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


# What a rejected reference or vocabulary value reads as: empty, so the rules pass it over
# (absent would mean "not given" and could raise a different problem).
_REJECTED_AS = {"element": "", "boundary": "", "from": "", "to": "", "framework": ""}
Text = Callable[..., Any]  # (key, default=None) -> the value, or default when absent or rejected


class _Builder:
    def __init__(self, span_of: SpanOf, invalid: frozenset[Path], trusted: bool) -> None:
        self.span_of = span_of
        self.invalid = invalid
        self.trusted = trusted  # the schema accepted every value: no type checks needed
        self.incomplete: set[str] = set()

    def reader(self, data: dict[str, Any], path: Path) -> Text:
        """How an entity's text fields are read. Trusted data: dict.get itself, the common case
        on every CI run and a third of the build time at 10,000 threats."""
        if self.trusted:
            return data.get

        def text(key: str, default: Any = None) -> Any:
            return self.get(data, path, key, str, default, _REJECTED_AS.get(key, default))

        return text

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

    def strings(self, data: dict[str, Any], path: Path, key: str) -> tuple[str, ...]:
        items = self.get(data, path, key, list, [], checked=False)  # a repeated item does not void the others
        if self.trusted:
            return tuple(items)
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
        text = self.reader(p, at)
        owner = self.get(p, at, "owner", dict, checked=False)
        owner_text = self.reader(owner, (*at, "owner")) if owner else None
        return Product(
            id=self.get(p, at, "id", int, 0), name=text("name", ""), description=text("description", ""),
            status=text("status"), business_area=text("business_area"),
            owner=Owner(owner_text("name", ""), owner_text("email")) if owner_text else None,
            repository_url=text("repository_url"), application_url=text("application_url"),
            last_reviewed=text("last_reviewed"), tags=self.strings(p, at, "tags"),
        )

    def diagram(self, path: Path, d: dict[str, Any]) -> Diagram:
        text = self.reader(d, path)
        return Diagram(
            id=d["id"], name=text("name", ""), span=self.span_of(path, d), path=path, description=text("description", ""),
            elements=tuple(self.element(p, e, d["id"]) for p, e in self.entries(d, path, "elements")),
            flows=tuple(self.flow(p, f, d["id"]) for p, f in self.entries(d, path, "flows")),
        )

    def element(self, path: Path, e: dict[str, Any], diagram: str) -> Element:
        text = self.reader(e, path)
        return Element(
            id=e["id"], type=text("type", ""), name=text("name", ""), span=self.span_of(path, e), path=path,
            diagram=diagram, description=text("description", ""), boundary=text("boundary"),
            technology=text("technology"),
        )

    def flow(self, path: Path, f: dict[str, Any], diagram: str) -> Flow:
        text = self.reader(f, path)
        return Flow(
            id=f["id"], source=text("from", ""), target=text("to", ""), name=text("name", ""),
            span=self.span_of(path, f), path=path, diagram=diagram, description=text("description", ""),
            protocol=text("protocol"), encrypted=self.get(f, path, "encrypted", bool),
            authenticated=self.get(f, path, "authenticated", bool),
        )

    def threat(self, path: Path, t: dict[str, Any]) -> Threat:
        text = self.reader(t, path)
        likelihood, impact = self.score(t, path, "likelihood"), self.score(t, path, "impact")
        # a malformed acceptance still counts as "an acceptance was given"
        acceptance = self.get(t, path, "acceptance", dict, checked=False, rejected={"justification": ""})
        if not self.trusted:
            # a rejected value also silences the checks that compare against it (no follow-on errors)
            if {(*path, "likelihood"), (*path, "impact")} & self.invalid:
                likelihood = impact = None
            if (*path, "status") in self.invalid:
                acceptance = None
        return Threat(
            id=t["id"], title=text("title", ""), span=self.span_of(path, t), path=path, element=text("element"),
            framework=text("framework", "STRIDE"), category=text("category"), description=text("description", ""),
            likelihood=likelihood, impact=impact, declared_severity=text("severity"),
            status=text("status", "identified"),
            acceptance=self.acceptance(acceptance, (*path, "acceptance")) if acceptance else None,
            references=self.strings(t, path, "references"),
        )

    def acceptance(self, a: dict[str, Any], path: Path) -> Acceptance:
        text = self.reader(a, path)
        return Acceptance(text("justification", ""), text("approver", ""), text("expires"))

    def mitigation(self, path: Path, m: dict[str, Any]) -> Mitigation:
        text = self.reader(m, path)
        return Mitigation(
            id=m["id"], title=text("title", ""), span=self.span_of(path, m), path=path, element=text("element"),
            threats=self.strings(m, path, "threats"), status=text("status", "proposed"), category=text("category"),
            description=text("description", ""), evidence=self.strings(m, path, "evidence"),
        )
