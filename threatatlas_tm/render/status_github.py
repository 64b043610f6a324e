"""GitHub Actions workflow commands: an ::error annotation on each failing threat's YAML lines,
within GitHub's limit of 10 error annotations per step, and the guide's job-summary table."""

from __future__ import annotations

from collections.abc import Sequence

from threatatlas_tm.core.posture import StatusResult, ratio_percent_floor
from threatatlas_tm.render.findings import findings

MAX_ERROR_ANNOTATIONS = 10  # GitHub shows at most 10 error annotations per step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    failed = [r for r in results if not r.document["pass"]]
    if not failed:
        names = ", ".join(r.document["product_name"] for r in results)
        return f"::notice title=Threat model gate passed::{escape_data(names)}\n"
    found = list(findings(results))
    shown = found[: MAX_ERROR_ANNOTATIONS - 1]  # the last slot is the summary line
    lines = [
        f"::error file={escape_property(f.file)},line={f.span.line},endLine={max(f.span.line, f.span.end_line)},"
        f"title={escape_property(f.title)}::{escape_data(f.message)}"
        for f in shown
    ]
    failures = "; ".join(f"{r.document['product_name']}: " + ", ".join(r.document["failures"]) for r in failed)
    more = f" ({len(found) - len(shown)} more finding(s) not annotated)" if len(found) > len(shown) else ""
    lines.append(f"::error title=Threat model gate failed::{escape_data(failures + more)}")
    return "\n".join(lines) + "\n"


def step_summary(results: Sequence[StatusResult]) -> str:
    """The guide's job-summary table, one per product, as its jq script writes it."""
    blocks = []
    for result in results:
        doc = result.document
        summary = doc["summary"]
        blocks.append("\n".join([
            f"## 🛡️ Threat Model — {doc['product_name']}",
            "",
            "| Metric | Value |",
            "|--------|-------|",
            f"| Total threats | {summary['total_threats']} |",
            f"| Critical | {summary['by_severity']['critical']} |",
            f"| High | {summary['by_severity']['high']} |",
            f"| Mitigation ratio | {ratio_percent_floor(summary['mitigation_ratio'])}% |",
        ]) + "\n")
    return "".join(blocks)
