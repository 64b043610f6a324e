"""The Markdown report: the one text both report formats come from (DOCX is built from it)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import mistune

from threatatlas_tm.core.model import Diagram, Element
from threatatlas_tm.core.posture import GATE_CHECKS, StatusResult
from threatatlas_tm.core.report import Report, build_report

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>|~#!])")
# CommonMark: a fence is 3+ backticks (no backtick in its info string) or 3+ tildes, and only a
# fence of the same character, at least as long, closes it
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
_HEADING = re.compile(r"^( {0,3}(?:> ?)*\s{0,3})(#{1,6})(\s|$)")  # also inside block quotes
_SETEXT = re.compile(r"^( {0,3}(?:> ?)*)([=-])(\2*\s*)$")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)  # backtick runs are maximal
_SENTINEL = "threatatlas-tm-end-of-user-text"
_PARSE = mistune.create_markdown(renderer=None, plugins=["table"])


def inline(text: str) -> str:
    """User text inside a line or a table cell: Markdown specials escaped, line breaks folded,
    so a title with `|`, a backtick or a newline can never break a table."""
    return _INLINE_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def _escape_html_outside_code(line: str) -> str:
    out, pos = [], 0
    for span in _CODE_SPAN.finditer(line):
        out += [line[pos:span.start()].replace("<", "\\<"), span.group(0)]
        pos = span.end()
    return "".join([*out, line[pos:].replace("<", "\\<")])


def _sanitise(text: str, heading_shift: int) -> str:
    out: list[str] = []
    fence: str | None = None  # the opening fence run while inside a fenced block
    for line in text.strip("\n").split("\n"):
        if fence is not None:
            out.append(line)
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence) and len(line) - len(line.lstrip()) < 4:
                fence = None
            continue
        opened = _FENCE_OPEN.match(line)
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        line = _HEADING.sub(lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + heading_shift) + m.group(3), line)
        if out and out[-1].strip() and _SETEXT.match(line):
            line = _SETEXT.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), line)
        out.append(_escape_html_outside_code(line))
    if fence is not None:
        out.append(fence)
    return "\n".join(out)


def _contained(markdown: str) -> bool:
    """Parsed on its own, the text holds no raw HTML, no heading above the report's threat
    headings, and ends where it should: a paragraph after it is still a paragraph."""
    parsed: Any = _PARSE(markdown + "\n\n" + _SENTINEL)
    tokens: list[dict[str, Any]] = [t for t in parsed if t["type"] != "blank_line"]
    last: dict[str, Any] = tokens[-1] if tokens else {}
    if last.get("type") != "paragraph" or [c.get("raw") for c in last.get("children", [])] != [_SENTINEL]:
        return False
    stack = list(tokens)
    while stack:
        token = stack.pop()
        if token["type"] in ("block_html", "inline_html") or (token["type"] == "heading" and token["attrs"]["level"] < 4):
            return False
        stack.extend(token.get("children", []))
    return True


@lru_cache(maxsize=4096)
def block(text: str, heading_shift: int = 3) -> str:
    """User Markdown (descriptions) kept as Markdown, but raw HTML shown as text and headings
    pushed below the report's own, so a description cannot restructure the report. Whatever
    the rewriting misses, the parse check catches: such a text is shown as plain lines."""
    sanitised = _sanitise(text, heading_shift)
    if _contained(sanitised):
        return sanitised
    return "  \n".join(inline(line) for line in text.strip("\n").split("\n"))


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _mermaid_label(text: str) -> str:
    return '"' + " ".join(text.split()).replace('"', "#quot;") + '"'


def _mermaid_node(e: Element) -> str:
    label = _mermaid_label(e.name)
    shape = {"process": f"(({label}))", "datastore": f"[({label})]"}.get(e.type, f"[{label}]")
    return f"n_{_mermaid_id(e.id)}{shape}"


def _mermaid_id(ident: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", ident)


def mermaid(diagram: Diagram) -> list[str]:
    """A flowchart with trust boundaries as (nested) subgraphs; GitHub renders it."""
    children: dict[str | None, list[Element]] = {}
    boundaries = {e.id for e in diagram.elements if e.type == "boundary"}
    for e in diagram.elements:
        parent = e.boundary if e.boundary in boundaries else None
        children.setdefault(parent, []).append(e)
    lines = ["```mermaid", "flowchart LR"]

    def emit(parent: str | None, depth: int, seen: frozenset[str]) -> None:
        for e in children.get(parent, []):
            pad = "  " * depth
            if e.type == "boundary":
                if e.id in seen:  # a cycle the validator reports; never loop on it
                    continue
                lines.append(f"{pad}subgraph b_{_mermaid_id(e.id)}[{_mermaid_label(e.name)}]")
                emit(e.id, depth + 1, seen | {e.id})
                lines.append(f"{pad}end")
            else:
                lines.append(pad + _mermaid_node(e))

    emit(None, 1, frozenset())
    lines += [f"  n_{_mermaid_id(f.source)} -->|{_mermaid_label(f.name)}| n_{_mermaid_id(f.target)}" for f in diagram.flows]
    return [*lines, "```"]


def _header(report: Report) -> list[str]:
    model = report.model
    lines = [f"# Threat Model Report — {inline(model.product.name)}", "", f"Generated {report.generated_at} by "
             "threatatlas-tm from the threat model in the repository.", ""]
    lines += table(["Field", "Value"], [(label, inline(value)) for label, value in report.metadata])
    if model.product.description:
        lines += ["", block(model.product.description)]
    return lines


def _verdict(report: Report) -> list[str]:
    result = report.result
    doc = result.document
    verdict = "no threshold is crossed." if doc["pass"] else f"{len(doc['failures'])} failure(s)."
    lines = ["", "## Security gate", "", f"**{'PASS' if doc['pass'] else 'FAIL'}**: {verdict}"]
    if doc["failures"]:
        lines += ["", *(f"- {inline(failure)}" for failure in doc["failures"])]
    sources = dict(result.sources)
    rows = []
    for check in GATE_CHECKS:
        value = doc["thresholds"][check.parameter]
        shown = "off" if value is None or value is False else ("on" if value is True else f"{value:g}")
        rows.append((f"`{check.parameter}`", shown, inline(sources.get(check.parameter, "default"))))
    return [*lines, "", *table(["Threshold", "Value", "Set by"], rows)]


def _summary(report: Report) -> list[str]:
    summary = report.result.document["summary"]
    total = summary["total_threats"]
    by = summary["by_severity"]
    mitigated = summary["mitigated_threats"]
    share = f"{mitigated / total:.0%}" if total else "n/a"
    rows = [("Total threats", str(total)), *((name.capitalize(), str(count)) for name, count in by.items()),
            ("Mitigated threats", f"{mitigated} ({share})"),
            ("Active mitigations / total", f"{summary['active_mitigations']} / {summary['total_mitigations']}"),
            ("Mitigation ratio", f"{summary['mitigation_ratio']} ({summary['mitigation_ratio']:.0%})")]
    return ["", "## Summary", "", *table(["Metric", "Value"], rows)]


def _matrix(report: Report) -> list[str]:
    rows = [(f"**{5 - i}**", *(str(n) if n else "·" for n in counts)) for i, counts in enumerate(report.matrix)]
    return ["", "## Risk matrix", "", "Scored threats by likelihood (rows) and impact (columns).", "",
            *table(["Likelihood ↓ · Impact →", "1", "2", "3", "4", "5"], rows)]


def _diagrams(report: Report) -> list[str]:
    lines = ["", "## Data-flow diagrams"]
    if not report.diagrams:
        return [*lines, "", "No data-flow diagrams are modelled."]
    for d in report.diagrams:
        names = {e.id: e.name for e in d.elements}
        lines += ["", f"### {inline(d.name)}"]
        if d.description:
            lines += ["", block(d.description)]
        lines += ["", *mermaid(d), "", "**Elements**", ""]
        lines += table(["Name", "Type", "Boundary"], [(inline(e.name), e.type, inline(names.get(e.boundary or "", "")))
                                                      for e in d.elements]) if d.elements else ["No elements."]
        lines += ["", "**Data flows**", ""]
        lines += table(["Name", "From", "To", "Protocol", "Encrypted", "Authenticated"], [
            (inline(f.name), inline(names.get(f.source, f.source)), inline(names.get(f.target, f.target)),
             inline(f.protocol or ""), _yes_no(f.encrypted), _yes_no(f.authenticated)) for f in d.flows
        ]) if d.flows else ["No data flows."]
    return lines


def _threats(report: Report) -> list[str]:
    lines = ["", "## Threats"]
    if not report.threats:
        return [*lines, "", "No threats are modelled."]
    rows = [
        (r.threat.id, inline(r.element_name), inline(r.threat.title), inline(r.threat.category or ""), r.severity,
         str(r.threat.likelihood or ""), str(r.threat.impact or ""), str(r.threat.risk_score or ""), r.threat.status,
         ", ".join(f"{m.id} ({m.status})" for m in r.mitigations))
        for r in report.threats
    ]
    lines += ["", *table(["ID", "Element", "Threat", "Category", "Severity", "L", "I", "Score", "Status",
                          "Mitigations"], rows)]
    for r in report.threats:
        t = r.threat
        lines += ["", f"### {t.id} — {inline(t.title)}", "",
                  f"{r.severity.capitalize()} · {t.framework} {inline(t.category or '')} · status {t.status}"
                  + (f" · references: {inline(', '.join(t.references))}" if t.references else "")]
        if t.description:
            lines += ["", block(t.description)]
    return lines


def _mitigations(report: Report) -> list[str]:
    lines = ["", "## Mitigations"]
    if not report.mitigations:
        return [*lines, "", "No mitigations are modelled."]
    rows = [(m.id, inline(m.title), m.status, inline(m.element or ""), ", ".join(m.threats), inline(", ".join(m.evidence)))
            for m in report.mitigations]
    return [*lines, "", *table(["ID", "Mitigation", "Status", "Element", "Threats", "Evidence"], rows)]


def _accepted(report: Report) -> list[str]:
    lines = ["", "## Accepted risks"]
    if not report.accepted:
        return [*lines, "", "No risks are accepted."]
    rows = []
    for a in report.accepted:
        acc = a.threat.acceptance
        expires = (acc.expires or "") if acc else ""
        rows.append((a.threat.id, inline(a.threat.title), inline(acc.justification if acc else "not recorded"),
                     inline(acc.approver if acc else ""), f"**{expires} (expired)**" if a.expired else expires))
    return [*lines, "", *table(["Threat", "Title", "Justification", "Approver", "Expires"], rows)]


_METHOD = """
## How the numbers are computed

- Risk score = likelihood × impact (1–5 each). Severity: score ≥ 20 critical, ≥ 12 high,
  ≥ 6 medium, else low; a threat with neither a score nor a stated severity is unscored.
- Mitigated threats are threats whose own status is `mitigated`; mitigation records do not
  count, and `accepted` counts as neither mitigated nor exempt.
- Mitigation ratio = mitigated threats / all threats, rounded to 4 decimals; 1.0 when there
  are no threats. Thresholds compare against the rounded value.
- Active mitigations are those `implemented` or `verified`. A mitigation applies to its element
  and to the elements of the threats it lists. A high or critical threat has no active
  mitigation when its status is not `mitigated`, no active mitigation applies to its element,
  and none lists it.
- Gate failures, in this order: critical threats present (`fail_on_critical`, whatever their
  status); high/critical threats without active mitigation (`fail_on_unmitigated_high`); ratio
  below `min_mitigation_ratio`. These are the rules of ThreatAtlas's security-status endpoint."""


def render_report(report: Report) -> str:
    sections = [_header, _verdict, _summary, _matrix, _diagrams, _threats, _mitigations, _accepted]
    lines = [line for section in sections for line in section(report)]
    return "\n".join(lines) + "\n" + _METHOD + "\n"


def render_bytes(report: Report) -> bytes:
    return render_report(report).encode("utf-8")


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    return "\n".join(render_report(build_report(result)) for result in results)
