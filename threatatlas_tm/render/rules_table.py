"""The rules reference, from the one rule registry (the README embeds it; a test keeps it equal)."""

from __future__ import annotations

from threatatlas_tm.core.rules import RULES


def render_markdown() -> str:
    lines = ["| rule | stage | level | what it reports |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.stage} | {r.level} | {r.summary} |" for r in RULES.values()]
    return "\n".join(lines) + "\n"


def render_text() -> str:
    width = max(len(rule_id) for rule_id in RULES)
    return "".join(f"{r.id:<{width}}  {r.stage:<6}  {str(r.level):<7}  {r.summary}\n" for r in RULES.values())
