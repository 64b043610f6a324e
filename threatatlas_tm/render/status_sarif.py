"""SARIF 2.1.0 for GitHub code scanning: a rule per gate check, a result per failing threat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from threatatlas_tm import __version__
from threatatlas_tm.core.posture import GATE_CHECKS, GateCheck, StatusResult
from threatatlas_tm.render.findings import Finding, findings

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(check: GateCheck) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": "".join(word.capitalize() for word in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.description},
        "help": {
            "text": f"{check.description} Turned on by `{check.parameter}`.",
            "markdown": f"{check.description}\n\nTurned on by `{check.parameter}` "
                        "(a `threatatlas-tm status` option, the security-status query parameter).",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "threat-model"], "precision": "very-high",
                       "security-severity": check.security_severity},
    }


def _result(finding: Finding) -> dict[str, Any]:
    span = finding.span
    return {
        "ruleId": finding.check.id,
        "ruleIndex": GATE_CHECKS.index(finding.check),
        "level": "error",
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.file},
            "region": {"startLine": span.line, "startColumn": span.column,
                       "endLine": max(span.line, span.end_line), "endColumn": max(1, span.end_column)},
        }}],
        "partialFingerprints": {"primaryLocationLineHash": finding.fingerprint},
        "properties": {"severity": finding.severity},
    }


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "threatatlas-tm", "semanticVersion": __version__,
                "informationUri": "https://github.com/threatatlas/threatatlas-tm",
                "rules": [_rule(check) for check in GATE_CHECKS],
            }},
            "results": [_result(f) for f in findings(results)],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
