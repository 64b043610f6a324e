"""Diagram structure: boundaries contain elements, flows join non-boundary elements."""

from __future__ import annotations

from collections.abc import Iterator

from threatatlas_tm.core.model import Element, ThreatModel
from threatatlas_tm.core.rules import Finding, Rule


def _by_id(model: ThreatModel) -> dict[str, Element]:
    return {e.id: e for e in model.elements}


def boundary_not_boundary(model: ThreatModel) -> Iterator[Finding]:
    elements = _by_id(model)
    for e in model.elements:
        target = elements.get(e.boundary or "")
        if target is not None and target.type and target.type != "boundary" and target.diagram == e.diagram:
            yield Finding((*e.path, "boundary"), f"'{target.id}' is a {target.type}, not a boundary",
                          f"set 'type: boundary' on '{target.id}' or name a boundary here")


def boundary_cycles(model: ThreatModel) -> Iterator[Finding]:
    """Boundaries may nest, but a boundary may not end up inside itself."""
    elements = _by_id(model)
    reported: set[str] = set()
    for start in model.elements:
        chain = [start.id]
        current = start
        while current.boundary is not None and current.boundary in elements:
            if current.boundary in chain:
                cycle = chain[chain.index(current.boundary):] + [current.boundary]
                if not reported & set(cycle):
                    reported.update(cycle)
                    first = elements[cycle[0]]
                    yield Finding((*first.path, "boundary"), "boundaries contain each other: " + " → ".join(cycle),
                                  "remove one 'boundary:' link so the nesting is a tree")
                break
            chain.append(current.boundary)
            current = elements[current.boundary]


def flow_endpoints(model: ThreatModel) -> Iterator[Finding]:
    elements = _by_id(model)
    for f in model.flows:
        for key, ref in (("from", f.source), ("to", f.target)):
            target = elements.get(ref)
            if target is not None and target.type == "boundary":
                yield Finding((*f.path, key), f"flow '{f.id}' {key} '{ref}', which is a trust boundary",
                              "flows join processes, data stores and external entities; name one inside the boundary")


RULES = [
    Rule("not-a-boundary", "model", "An element's 'boundary' names an element whose type is not boundary.",
         check=boundary_not_boundary),
    Rule("boundary-cycle", "model", "Boundaries that contain each other.", check=boundary_cycles),
    Rule("flow-endpoint", "model", "A flow that starts or ends at a trust boundary.", check=flow_endpoints),
]
