"""Every status format checked by a real parser or schema: SARIF (official 2.1.0 schema plus
GitHub's rules), JUnit (XML), GitLab Code Quality (its field rules), GitHub workflow commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, CliResult
from helpers import make_model
from jsonschema import Draft4Validator

from threatatlas_tm.core.posture import GATE_CHECKS, StatusResult, Thresholds, evaluate, status_document
from threatatlas_tm.render import FORMATS, render
from threatatlas_tm.render.status_github import escape_data, escape_property, step_summary

Run = Callable[..., CliResult]
GATE = ["--fail-on-critical", "--fail-on-unmitigated-high", "--min-mitigation-ratio", "0.9"]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def example(run_cli: Run, fmt: str, *extra: str) -> CliResult:
    return run_cli("status", str(EXAMPLE), *GATE, "--format", fmt, *extra)


def test_sarif_is_valid_and_meets_githubs_rules(run_cli: Run) -> None:
    result = example(run_cli, "sarif")
    log = json.loads(result.out)
    errors = list(Draft4Validator(SARIF_SCHEMA).iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in GATE_CHECKS]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert 0.1 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert "security" in rule["properties"]["tags"]
    results = run["results"]
    # the three unmitigated high threats, then the ratio failure on the product
    assert [r["ruleId"] for r in results] == ["unmitigated-high"] * 3 + ["mitigation-ratio"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [76, 89, 107, 6]
    for r in results:
        assert r["message"]["text"] and r["partialFingerprints"]["primaryLocationLineHash"]
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "examples/payments-api.threatmodel.yaml"
    assert result.code == 1


def test_fingerprints_survive_line_moves_and_match_gitlab(run_cli: Run, tmp_path: Path) -> None:
    moved = tmp_path / "payments.threatmodel.yaml"
    moved.write_text("# a comment that moves every line down\n\n" + EXAMPLE.read_text())
    before = json.loads(example(run_cli, "sarif").out)["runs"][0]["results"]
    after = json.loads(run_cli("status", str(moved), *GATE, "--format", "sarif").out)["runs"][0]["results"]
    gitlab = json.loads(example(run_cli, "gitlab").out)
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in before]
    assert fingerprints == [r["partialFingerprints"]["primaryLocationLineHash"] for r in after]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after][0] == 78
    assert fingerprints == [issue["fingerprint"] for issue in gitlab]
    assert len(set(fingerprints)) == len(fingerprints)


def test_gitlab_code_quality_fields(run_cli: Run) -> None:
    issues = json.loads(example(run_cli, "gitlab").out)
    assert isinstance(issues, list) and len(issues) == 4
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"] in {c.id for c in GATE_CHECKS}
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["location"]["path"] == "examples/payments-api.threatmodel.yaml"
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert [i["severity"] for i in issues] == ["major", "major", "major", "minor"]


def test_junit_is_xml_with_a_case_per_check(run_cli: Run) -> None:
    root = ET.fromstring(example(run_cli, "junit", "--no-fail-on-critical").out)
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "2"
    (suite,) = root
    cases = {case.get("name"): case for case in suite}
    assert list(cases) == ["fail_on_critical", "fail_on_unmitigated_high", "min_mitigation_ratio"]
    assert cases["fail_on_critical"].find("skipped") is not None
    failure = cases["fail_on_unmitigated_high"].find("failure")
    assert failure is not None and failure.get("message") == "3 high/critical threat(s) have no active mitigation"
    assert "examples/payments-api.threatmodel.yaml:76: T-001 [high]" in (failure.text or "")
    ratio = cases["min_mitigation_ratio"].find("failure")
    assert ratio is not None and ratio.get("message") == "Mitigation ratio 79% is below required threshold 90%"


def test_github_annotations(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = example(run_cli, "github")
    lines = result.out.splitlines()
    assert lines[0].startswith("::error file=examples/payments-api.threatmodel.yaml,line=76,endLine=")
    assert ",title=T-001%3A Forged payment webhooks mark unpaid orders as paid::T-001 (high)" in lines[0]
    assert lines[-1] == ("::error title=Threat model gate failed::Payments API: 3 high/critical threat(s) have no "
                         "active mitigation, Mitigation ratio 79%25 is below required threshold 90%25")
    assert summary.read_text() == ("earlier step\n## 🛡️ Threat Model — Payments API\n\n| Metric | Value |\n"
                                   "|--------|-------|\n| Total threats | 24 |\n| Critical | 0 |\n| High | 3 |\n"
                                   "| Mitigation ratio | 79% |\n")


def _result(title: str, n: int = 1) -> StatusResult:
    model = make_model([{"id": f"T-{i}", "title": title, "element": "web", "likelihood": 5, "impact": 5}
                        for i in range(n)])
    posture = evaluate(model, Thresholds(True, True, None))
    return StatusResult(posture, status_document(posture, "2026-12-03T00:00:00+00:00"), ())


def test_github_escaping_of_titles() -> None:
    out = render("status", "github", [_result("100% broken: a, b\nc")])
    first = out.splitlines()[0]
    assert "title=T-0%3A 100%25 broken%3A a%2C b%0Ac::" in first
    assert first.endswith("T-0 (critical) 100%25 broken: a, b%0Ac: critical threat present. "
                          "1 critical threat(s) require immediate attention.")
    assert escape_property("a:b,c%\r") == "a%3Ab%2Cc%25%0D" and escape_data("a:b,c") == "a:b,c"


def test_github_stays_within_the_annotation_limit() -> None:
    lines = render("status", "github", [_result("x", 30)]).splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("::error title=Threat model gate failed::") and "more finding(s) not annotated" in lines[-1]


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="jq is not installed")
def test_step_summary_equals_the_guides_jq_script(run_cli: Run, tmp_path: Path) -> None:
    response = example(run_cli, "json").out
    script = (
        'set -euo pipefail\nresponse=$(cat "$1")\n{\n'
        'echo "## 🛡️ Threat Model — $(echo "$response" | jq -r .product_name)"\necho ""\n'
        'echo "| Metric | Value |"\necho "|--------|-------|"\n'
        'echo "| Total threats | $(echo "$response" | jq -r .summary.total_threats) |"\n'
        'echo "| Critical | $(echo "$response" | jq -r .summary.by_severity.critical) |"\n'
        'echo "| High | $(echo "$response" | jq -r .summary.by_severity.high) |"\n'
        "echo \"| Mitigation ratio | $(echo \"$response\" | jq -r '.summary.mitigation_ratio * 100 | floor')% |\"\n"
        '} >> "$2"\n'
    )
    (tmp_path / "guide.sh").write_text(script)
    (tmp_path / "response.json").write_text(response)
    subprocess.run(["bash", str(tmp_path / "guide.sh"), str(tmp_path / "response.json"), str(tmp_path / "jq.md")],
                   check=True)
    posture_doc: dict[str, Any] = json.loads(response)
    assert posture_doc["summary"]["mitigation_ratio"] == 0.7917
    result = _from_document(posture_doc)
    assert (tmp_path / "jq.md").read_text() == step_summary([result])


def _from_document(document: dict[str, Any]) -> StatusResult:
    model = make_model([])
    posture = evaluate(model, Thresholds())
    return StatusResult(posture, document, ())


def test_every_status_format_is_deterministic(run_cli: Run) -> None:
    for name in FORMATS["status"]:
        first = example(run_cli, name, "--generated-at", "2026-12-03T00:00:00+00:00").out
        assert first == example(run_cli, name, "--generated-at", "2026-12-03T00:00:00+00:00").out, name
