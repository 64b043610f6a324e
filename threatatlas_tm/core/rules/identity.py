"""Ids and references: every id is unique in its kind, every reference resolves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from threatatlas_tm.core.model import Mitigation, Path, Threat, ThreatModel
from threatatlas_tm.core.problems import Level
from threatatlas_tm.core.rules import Finding, Rule
from threatatlas_tm.core.rules._ids import Suggester


def duplicate_ids(model: ThreatModel) -> Iterator[Finding]:
    """Diagrams, threats and mitigations each have their own ids; elements and flows share one."""
    kinds: list[tuple[str, Iterable[tuple[str, Path, int]]]] = [
        ("diagram", ((d.id, d.path, d.span.line) for d in model.diagrams)),
        ("element or flow", ((x.id, x.path, x.span.line) for x in model.targets)),
        ("threat", ((t.id, t.path, t.span.line) for t in model.threats)),
        ("mitigation", ((m.id, m.path, m.span.line) for m in model.mitigations)),
    ]
    for kind, entries in kinds:
        listed = list(entries)
        if len({ident for ident, _, _ in listed}) == len(listed):
            continue  # the usual case: no duplicates, no need to order them
        first_line: dict[str, int] = {}
        for ident, path, line in sorted(listed, key=lambda e: e[2]):
            if ident in first_line:
                yield Finding((*path, "id"), f"{kind} id '{ident}' is already used on line {first_line[ident]}",
                              "give each one a distinct id")
            else:
                first_line[ident] = line


def unknown_references(model: ThreatModel) -> Iterator[Finding]:
    """Threats and mitigations name an element or flow; mitigations name threats; flows name
    elements of their own diagram; elements name a boundary of their own diagram."""
    targets = {x.id for x in model.targets}
    threats = {t.id for t in model.threats}
    suggest = Suggester()
    attached: list[Threat | Mitigation] = [*model.threats, *model.mitigations]
    if "element" not in model.incomplete:
        for entity in attached:
            if entity.element and entity.element not in targets:
                yield _missing((*entity.path, "element"), "element or flow", entity.element, targets, suggest)
        yield from _diagram_references(model, suggest)
    if "threat" not in model.incomplete:
        for m in model.mitigations:
            for i, ref in enumerate(m.threats):
                if ref not in threats:
                    yield _missing((*m.path, "threats", i), "threat", ref, threats, suggest)


def _diagram_references(model: ThreatModel, suggest: Suggester) -> Iterator[Finding]:
    home = {e.id: e.diagram for e in model.elements}
    for diagram in model.diagrams:
        local = {e.id for e in diagram.elements}
        refs = [((*f.path, key), ref) for f in diagram.flows for key, ref in (("from", f.source), ("to", f.target))]
        refs += [((*e.path, "boundary"), e.boundary) for e in diagram.elements if e.boundary is not None]
        for path, ref in refs:
            if not ref or ref in local:  # empty: a value the schema rejected
                continue
            if ref in home:
                yield Finding(path, f"'{ref}' is an element of diagram '{home[ref]}', not of '{diagram.id}'",
                              "flows and boundaries connect elements of the same diagram")
            else:
                yield _missing(path, "element", ref, local, suggest)


def _missing(path: Path, kind: str, ref: str, known: set[str], suggest: Suggester) -> Finding:
    hint = suggest.hint(ref, known) or (f"define a {kind} with id '{ref}' first" if known else f"no {kind} is defined yet")
    return Finding(path, f"unknown {kind} '{ref}'", hint)


def unattached_mitigations(model: ThreatModel) -> Iterator[Finding]:
    """A mitigation names its element, the threats it addresses, or both."""
    for m in model.mitigations:
        if m.element is None and not m.threats:
            yield Finding(m.path, f"mitigation '{m.id}' applies to nothing",
                          "add 'element: <element or flow id>' or 'threats: [<threat id>]'")


RULES = [
    Rule("duplicate-id", "model", "An id is used twice within its kind (element and flow ids share one kind).",
         check=duplicate_ids),
    Rule("unknown-reference", "model", "A reference to an element, flow, boundary or threat that does not exist "
         "(the closest id is suggested).", check=unknown_references),
    Rule("unattached-mitigation", "model", "A mitigation with neither an element nor threats.",
         level=Level.ERROR, check=unattached_mitigations),
]
