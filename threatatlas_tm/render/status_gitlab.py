"""GitLab Code Quality report: one issue per failing threat, fingerprints shared with SARIF."""

from __future__ import annotations

import json
from collections.abc import Sequence

from threatatlas_tm.core.posture import StatusResult
from threatatlas_tm.render.findings import findings

SEVERITY = {"critical": "critical", "high": "major", "medium": "minor", "low": "info", "unscored": "info",
            "ratio": "minor"}


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    issues = [
        {
            "type": "issue",
            "check_name": f.check.id,
            "description": f.message,
            "categories": ["Security"],
            "fingerprint": f.fingerprint,
            "severity": SEVERITY[f.severity],
            "location": {"path": f.file, "lines": {"begin": f.span.line, "end": max(f.span.line, f.span.end_line)}},
        }
        for f in findings(results)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
