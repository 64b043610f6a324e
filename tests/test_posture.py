"""The evaluator against the hosted endpoint's semantics, on the exact JSON."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import make_model
from hypothesis import given, settings
from hypothesis import strategies as st
from modelgen import models, render

from threatatlas_tm.core.posture import Thresholds, evaluate, status_document, unmitigated_high_threats
from threatatlas_tm.core.validate import check_bytes

STAMP = "2026-12-03T15:58:06.123456+00:00"
ALL = Thresholds(True, True, 0.7)


def doc(model: Any, thresholds: Thresholds = ALL) -> dict[str, Any]:
    return status_document(evaluate(model, thresholds), STAMP)


def high(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"H{i}", "element": "web", "likelihood": 3, "impact": 5, **extra}


def test_hosted_shape_and_order() -> None:
    model = make_model([high(1), {"id": "L1", "likelihood": 1, "impact": 1, "status": "mitigated"}])
    document = doc(model)
    assert list(document) == ["product_id", "product_name", "generated_at", "thresholds", "summary", "pass", "failures"]
    assert list(document["summary"]) == ["total_threats", "by_severity", "total_mitigations", "active_mitigations",
                                         "mitigated_threats", "mitigation_ratio"]
    assert list(document["summary"]["by_severity"]) == ["critical", "high", "medium", "low", "unscored"]


# The hosted suite's cases, then the edges the semantics file names.
PARITY = [
    pytest.param(  # 1. no thresholds: a posture read, always passes
        [high(1)], [], Thresholds(),
        {"critical": 0, "high": 1, "medium": 0, "low": 0, "unscored": 0}, 0, 0.0, True, [], id="read-only"),
    pytest.param(  # 2. a critical threat fails fail_on_critical even when mitigated
        [{"id": "C1", "element": "web", "likelihood": 5, "impact": 4, "status": "mitigated"}], [], ALL,
        {"critical": 1, "high": 0, "medium": 0, "low": 0, "unscored": 0}, 1, 1.0, False,
        ["1 critical threat(s) require immediate attention"], id="critical"),
    pytest.param(  # 3. unmitigated high, and the ratio below the minimum, in that order
        [high(1), high(2, element="db")], [], ALL,
        {"critical": 0, "high": 2, "medium": 0, "low": 0, "unscored": 0}, 0, 0.0, False,
        ["2 high/critical threat(s) have no active mitigation", "Mitigation ratio 0% is below required threshold 70%"],
        id="unmitigated-high"),
    pytest.param(  # 4. an active mitigation on the element covers the high threat; proposed does not
        [high(1), high(2, element="db"), {"id": "M", "status": "mitigated", "likelihood": 2, "impact": 3}],
        [{"id": "M-1", "element": "web", "status": "implemented"}, {"id": "M-2", "element": "db", "status": "proposed"}],
        Thresholds(False, True, None),
        {"critical": 0, "high": 2, "medium": 1, "low": 0, "unscored": 0}, 1, 0.3333, False,
        ["1 high/critical threat(s) have no active mitigation"], id="element-mitigation"),
    pytest.param(  # 5. everything fails at once, in the hosted order
        [{"id": "C1", "element": "api", "likelihood": 5, "impact": 5}, high(1)], [], ALL,
        {"critical": 1, "high": 1, "medium": 0, "low": 0, "unscored": 0}, 0, 0.0, False,
        ["1 critical threat(s) require immediate attention", "2 high/critical threat(s) have no active mitigation",
         "Mitigation ratio 0% is below required threshold 70%"], id="all-fail"),
    pytest.param(  # zero threats: ratio 1.0, passes
        [], [], ALL, {"critical": 0, "high": 0, "medium": 0, "low": 0, "unscored": 0}, 0, 1.0, True, [], id="no-threats"),
    pytest.param(  # accepted does not exempt and does not count as mitigated
        [high(1, status="accepted", acceptance={"justification": "WAF", "approver": "ciso"})], [], ALL,
        {"critical": 0, "high": 1, "medium": 0, "low": 0, "unscored": 0}, 0, 0.0, False,
        ["1 high/critical threat(s) have no active mitigation", "Mitigation ratio 0% is below required threshold 70%"],
        id="accepted-high"),
    pytest.param(  # unscored threats count in the total, never as high
        [{"id": "U1"}, {"id": "U2", "status": "mitigated"}], [], Thresholds(True, True, 0.5),
        {"critical": 0, "high": 0, "medium": 0, "low": 0, "unscored": 2}, 1, 0.5, True, [], id="unscored"),
    pytest.param(  # a mitigation listing a threat covers it (and its element's other threats)
        [high(1), high(2), high(3, element="db")], [{"id": "M-1", "threats": ["H3"], "status": "verified"}],
        Thresholds(False, True, None),
        {"critical": 0, "high": 3, "medium": 0, "low": 0, "unscored": 0}, 0, 0.0, False,
        ["2 high/critical threat(s) have no active mitigation"], id="listed-mitigation"),
]


@pytest.mark.parametrize(("threats", "mitigations", "thresholds", "by_severity", "mitigated", "ratio", "passed",
                          "failures"), PARITY)
def test_parity(threats: list[dict[str, Any]], mitigations: list[dict[str, Any]], thresholds: Thresholds,
                by_severity: dict[str, int], mitigated: int, ratio: float, passed: bool, failures: list[str]) -> None:
    model = make_model(threats, mitigations)
    active = sum(1 for m in mitigations if m.get("status") in ("implemented", "verified"))
    assert doc(model, thresholds) == {
        "product_id": 1, "product_name": "Payments API", "generated_at": STAMP,
        "thresholds": {"fail_on_critical": thresholds.fail_on_critical,
                       "fail_on_unmitigated_high": thresholds.fail_on_unmitigated_high,
                       "min_mitigation_ratio": thresholds.min_mitigation_ratio},
        "summary": {"total_threats": len(threats), "by_severity": by_severity, "total_mitigations": len(mitigations),
                    "active_mitigations": active, "mitigated_threats": mitigated, "mitigation_ratio": ratio},
        "pass": passed, "failures": failures,
    }


def _ratio_model(mitigated: int, total: int) -> Any:
    threats = [{"id": f"T{i}", "likelihood": 1, "impact": 1, "status": "mitigated" if i < mitigated else "identified"}
               for i in range(total)]
    return make_model(threats)


def test_ratio_rounds_across_the_threshold() -> None:
    document = doc(_ratio_model(159, 200), Thresholds(min_mitigation_ratio=0.8))
    assert document["summary"]["mitigation_ratio"] == 0.795
    assert document["failures"] == ["Mitigation ratio 80% is below required threshold 80%"]


def test_ratio_rounds_up_to_one() -> None:
    document = doc(_ratio_model(19_999, 20_000), Thresholds(min_mitigation_ratio=1.0))
    assert document["summary"]["mitigation_ratio"] == 1.0 and document["pass"] is True


@settings(max_examples=120, deadline=None)
@given(models(), st.booleans(), st.booleans(), st.none() | st.floats(0, 1))
def test_invariants(data: dict[str, Any], critical: bool, high_: bool, minimum: float | None) -> None:
    model = check_bytes("m.yaml", render(data).text.encode()).model
    assert model is not None
    thresholds = Thresholds(critical, high_, minimum)
    document = doc(model, thresholds)
    summary = document["summary"]
    assert sum(summary["by_severity"].values()) == summary["total_threats"]
    assert 0.0 <= summary["mitigation_ratio"] <= 1.0
    assert document["pass"] == (not document["failures"])
    # turning on a threshold never turns a failure into a pass
    for stricter in (Thresholds(True, high_, minimum), Thresholds(critical, True, minimum),
                     Thresholds(critical, high_, max(minimum or 0.0, 0.5))):
        assert doc(model, stricter)["pass"] <= document["pass"]
    # marking one more threat mitigated never lowers the ratio, nor adds unmitigated threats
    open_threats = [t for t in data["threats"] if t["status"] != "mitigated"]
    if open_threats:
        open_threats[0]["status"] = "mitigated"
        better = check_bytes("m.yaml", render(data).text.encode()).model
        assert better is not None
        assert doc(better)["summary"]["mitigation_ratio"] >= summary["mitigation_ratio"]
        assert len(unmitigated_high_threats(better)) <= len(unmitigated_high_threats(model))
