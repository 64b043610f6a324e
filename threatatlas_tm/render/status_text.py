"""The human summary: verdict first, counts, failures, and the threats to fix with file:line."""

from __future__ import annotations

from collections.abc import Sequence

from threatatlas_tm.core.posture import StatusResult
from threatatlas_tm.render.problems_text import printable

_GREEN, _RED, _BOLD, _RESET = "\033[32m", "\033[31m", "\033[1m", "\033[0m"


def _threshold(value: object) -> str:
    if value is None:
        return "off"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _product(result: StatusResult, color: bool) -> list[str]:
    posture, doc = result.posture, result.document
    summary = doc["summary"]
    verdict = "PASS" if doc["pass"] else "FAIL"
    if color:
        verdict = f"{_BOLD}{_GREEN if doc['pass'] else _RED}{verdict}{_RESET}"
    name = printable(doc["product_name"])
    lines = [f"{verdict}  {name} (product {doc['product_id']}, {printable(posture.model.file)})", ""]
    by = summary["by_severity"]
    rows = [("threats", summary["total_threats"]), *((f"  {k}", v) for k, v in by.items()),
            ("mitigated threats", summary["mitigated_threats"]),
            ("mitigations (active/total)", f"{summary['active_mitigations']}/{summary['total_mitigations']}"),
            ("mitigation ratio", f"{summary['mitigation_ratio']} ({summary['mitigation_ratio']:.0%})")]
    lines += [f"  {label:<28}{value}" for label, value in rows]
    lines += ["", "  thresholds:"]
    thresholds = doc["thresholds"]
    lines += [f"    {name_:<26}{_threshold(thresholds[name_]):<6} from {printable(source)}"
              for name_, source in result.sources]
    for gate in posture.gates:
        if gate.failed:
            lines += ["", f"  failed: {gate.message}"]
            lines += [f"    {printable(posture.model.file)}:{t.span.line}: {t.id} [{t.severity}] "
                      f"{printable(t.title)} ({t.status})" for t in gate.threats]
    if posture.unmitigated_high and not any(g.failed and g.check.id == "unmitigated-high" for g in posture.gates):
        lines += ["", "  high/critical threats without active mitigation (not gated):"]
        lines += [f"    {printable(posture.model.file)}:{t.span.line}: {t.id} [{t.severity}] {printable(t.title)}"
                  for t in posture.unmitigated_high]
    return lines


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    blocks = ["\n".join(_product(result, color)) for result in results]
    return "\n\n".join(blocks) + "\n"
