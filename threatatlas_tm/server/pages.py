"""Server-rendered HTML and SVG: the dashboard (no JavaScript) and the badge."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from urllib.parse import urlencode

from threatatlas_tm.core.posture import Posture, Thresholds
from threatatlas_tm.server.store import FileState

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{padding:.45rem .6rem;border-bottom:1px solid #d0d7de;text-align:left}
th{background:#f6f8fa}.pass{color:#1a7f37;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.warn{color:#9a6700}.num{text-align:right;font-variant-numeric:tabular-nums}
"""


def _verdict(posture: Posture) -> str:
    return '<span class="pass">PASS</span>' if posture.passed else '<span class="fail">FAIL</span>'


def _row(state: FileState, posture: Posture, query: str) -> str:
    assert state.model is not None
    product = state.model.product
    counts = dict(posture.by_severity)
    base = f"/api/products/{product.id}"
    warning = (' <span class="warn" title="the file has errors; the last good version is shown">⚠ file has errors</span>'
               if any(p.level.value == "error" for p in state.problems) else "")
    failures = "<br>".join(escape(f) for f in posture.failures)
    return (
        f'<tr class="product" data-product-id="{product.id}"><td>{product.id}</td><td>{escape(product.name)}{warning}</td>'
        f"<td>{_verdict(posture)}</td><td>{failures}</td>"
        f'<td class="num">{len(posture.model.threats)}</td><td class="num">{counts["critical"]}</td>'
        f'<td class="num">{counts["high"]}</td><td class="num">{len(posture.unmitigated_high)}</td>'
        f'<td class="num">{posture.mitigation_ratio:.0%}</td>'
        f'<td><a href="{base}/download/report.md{query}">Markdown</a> · <a href="{base}/download/report.docx{query}">Word</a>'
        f' · <a href="{base}/security-status{query}">JSON</a></td></tr>'
    )


def dashboard(rows: Sequence[tuple[FileState, Posture]], thresholds: Thresholds, query: dict[str, str],
              health: str, now: str) -> str:
    known = {k: v for k, v in query.items() if k in ("fail_on_critical", "fail_on_unmitigated_high", "min_mitigation_ratio")}
    suffix = ("?" + urlencode(known)) if known else ""
    shown = ", ".join(f"{k}={escape(v)}" for k, v in known.items()) or "none (add ?fail_on_critical=true&… to the URL)"
    body = "\n".join(_row(state, posture, escape(suffix)) for state, posture in rows) or \
        '<tr><td colspan="10">No threat models found.</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Threat models — threatatlas-tm</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>Threat models</h1>
<p>Thresholds: {shown}. Server health: <strong>{escape(health)}</strong>. Page built {escape(now)}.</p>
<table><thead><tr><th>ID</th><th>Product</th><th>Gate</th><th>Failures</th><th class="num">Threats</th>
<th class="num">Critical</th><th class="num">High</th><th class="num">Unmitigated high</th>
<th class="num">Mitigated</th><th>Reports</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


def badge(passed: bool) -> str:
    """A shields.io-style flat badge."""
    label, value = "threat model", "passing" if passed else "failing"
    colour = "#4c1" if passed else "#e05d44"
    left, right = 6 * len(label) + 10, 6 * len(value) + 10
    width = left + right
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label}: {value}"><title>{label}: {value}</title>'
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/><rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text><text x="{left + right / 2}" y="14">{value}</text></g></svg>'
    )


