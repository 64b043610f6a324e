"""Hypothesis strategies for valid threat models, rendered to YAML with a map of key → line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from threatatlas_tm.core.rules.scoring import CATEGORIES

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Rendered:
    text: str
    lines: dict[Key, int]  # (section, index, key) → 1-based line of that key
    data: dict[str, Any]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _quote(str(value))


def _quote(text: str) -> str:
    """A YAML double-quoted scalar; YAML escapes astral characters as \\U, not JSON's surrogate pairs."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    n_elements = draw(st.integers(1, 5))
    boundary = draw(st.booleans())
    elements: list[dict[str, Any]] = [{"id": "zone", "type": "boundary", "name": "Zone"}] if boundary else []
    for i in range(n_elements):
        element = {"id": f"e{i}", "type": draw(st.sampled_from(["process", "datastore", "external"])),
                   "name": draw(TEXT)}
        if boundary and draw(st.booleans()):
            element["boundary"] = "zone"
        elements.append(element)
    element_ids = [f"e{i}" for i in range(n_elements)]
    flows = [
        {"id": f"f{i}", "from": draw(st.sampled_from(element_ids)), "to": draw(st.sampled_from(element_ids)),
         "name": draw(TEXT), "encrypted": draw(st.booleans())}
        for i in range(draw(st.integers(0, 3)))
    ]
    targets = element_ids + [f["id"] for f in flows]
    threats = []
    for i in range(draw(st.integers(0, 8))):
        threat: dict[str, Any] = {"id": f"T-{i}", "title": draw(TEXT)}
        if draw(st.booleans()):
            threat["element"] = draw(st.sampled_from(targets))
        threat["category"] = draw(st.sampled_from(CATEGORIES["STRIDE"]))
        if draw(st.booleans()):
            threat["likelihood"] = draw(st.integers(1, 5))
            threat["impact"] = draw(st.integers(1, 5))
        threat["status"] = draw(st.sampled_from(["identified", "mitigated"]))
        threats.append(threat)
    mitigations = []
    for i in range(draw(st.integers(0, 4))):
        mitigation: dict[str, Any] = {"id": f"M-{i}", "title": draw(TEXT), "element": draw(st.sampled_from(targets))}
        if threats:
            mitigation["threats"] = draw(st.lists(st.sampled_from([t["id"] for t in threats]), unique=True, max_size=3))
        mitigation["status"] = draw(st.sampled_from(["proposed", "implemented", "verified"]))
        mitigations.append(mitigation)
    return {
        "threatatlas": 1,
        "product": {"id": draw(st.integers(1, 10**6)), "name": draw(TEXT)},
        "diagrams": [{"id": "main", "name": "Main", "elements": elements, "flows": flows}],
        "threats": threats,
        "mitigations": mitigations,
    }


def _block(lines: list[str], where: dict[Key, int], section: Key, items: list[dict[str, Any]], indent: str) -> None:
    for index, item in enumerate(items):
        for n, (key, value) in enumerate(item.items()):
            prefix = indent + ("- " if n == 0 else "  ")
            lines.append(f"{prefix}{key}: {_scalar(value)}")
            where[(*section, index, key)] = len(lines)


def render(data: dict[str, Any]) -> Rendered:
    lines = ["threatatlas: 1", "product:", f"  id: {data['product']['id']}", f"  name: {_scalar(data['product']['name'])}"]
    where: dict[Key, int] = {("product", "id"): 3, ("product", "name"): 4}
    lines.append("diagrams:")
    for d_index, diagram in enumerate(data["diagrams"]):
        lines += [f"  - id: {diagram['id']}", f"    name: {diagram['name']}", "    elements:"]
        _block(lines, where, ("diagrams", d_index, "elements"), diagram["elements"], "      ")
        if diagram["flows"]:
            lines.append("    flows:")
            _block(lines, where, ("diagrams", d_index, "flows"), diagram["flows"], "      ")
    for section in ("threats", "mitigations"):
        if data[section]:
            lines.append(f"{section}:")
            _block(lines, where, (section,), data[section], "  ")
    return Rendered("\n".join(lines) + "\n", where, data)
