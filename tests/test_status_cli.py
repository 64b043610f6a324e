"""`threatatlas-tm status` end to end: the example, thresholds and their sources, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE, MINIMAL, CliResult
from jsonschema import Draft202012Validator

from threatatlas_tm.core.schema import load_schema

Run = Callable[..., CliResult]
GATE = ["--fail-on-critical", "--fail-on-unmitigated-high", "--min-mitigation-ratio", "0.7"]
STAMP = ["--generated-at", "2026-12-03T15:58:06+00:00"]


def status_schema_errors(document: object) -> list[str]:
    return [e.message for e in Draft202012Validator(load_schema("security-status")).iter_errors(document)]


def test_the_example_fails_as_the_guide_shows(run_cli: Run) -> None:
    result = run_cli("status", str(EXAMPLE), *GATE, *STAMP)
    assert result.code == 1
    assert result.out == (
        '{"product_id":1,"product_name":"Payments API","generated_at":"2026-12-03T15:58:06+00:00",'
        '"thresholds":{"fail_on_critical":true,"fail_on_unmitigated_high":true,"min_mitigation_ratio":0.7},'
        '"summary":{"total_threats":24,"by_severity":{"critical":0,"high":3,"medium":8,"low":13,"unscored":0},'
        '"total_mitigations":21,"active_mitigations":16,"mitigated_threats":19,"mitigation_ratio":0.7917},'
        '"pass":false,"failures":["3 high/critical threat(s) have no active mitigation"]}\n'
    )
    assert not status_schema_errors(json.loads(result.out))
    assert "gate FAILED" in result.err


def test_generated_at_defaults_to_now_and_honours_source_date_epoch(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    now = json.loads(run_cli("status", str(EXAMPLE)).out)["generated_at"]
    assert now.endswith("+00:00") and "." in now
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764777486")
    first, second = run_cli("status", str(EXAMPLE)).out, run_cli("status", str(EXAMPLE)).out
    assert first == second and json.loads(first)["generated_at"] == "2025-12-03T15:58:06+00:00"


@pytest.mark.parametrize("value", ["nan", "inf", "-0.1", "1.5", "seventy"])
def test_bad_ratio_is_a_usage_error(run_cli: Run, value: str) -> None:
    result = run_cli("status", str(EXAMPLE), "--min-mitigation-ratio", value)
    assert result.code == 2 and "--min-mitigation-ratio must be" in result.err and result.out == ""


def test_the_guides_query_string_is_accepted(run_cli: Run) -> None:
    query = "fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7"
    pasted = run_cli("status", str(EXAMPLE), "--thresholds", query, *STAMP)
    flags = run_cli("status", str(EXAMPLE), *GATE, *STAMP)
    assert (pasted.code, pasted.out) == (flags.code, flags.out)


@pytest.mark.parametrize(("query", "message"), [
    ("fail_on_critical=maybe", "fail_on_critical must be a boolean"),
    ("min_mitigation_ratio=NaN", "min_mitigation_ratio must be a finite number"),
    ("fail_on_everything=true", "unknown parameter 'fail_on_everything'"),
    ("fail_on_critical", "fail_on_critical must be a boolean"),
])
def test_bad_query_strings(run_cli: Run, query: str, message: str) -> None:
    result = run_cli("status", str(EXAMPLE), "--thresholds", query)
    assert result.code == 2 and message in result.err


@pytest.mark.parametrize("word", ["TRUE", "1", "yes", "On", "t", "Y"])
def test_query_booleans_parse_like_the_hosted_api(run_cli: Run, word: str) -> None:
    result = run_cli("status", str(EXAMPLE), "--thresholds", f"fail_on_unmitigated_high={word}")
    assert result.code == 1 and json.loads(result.out)["thresholds"]["fail_on_unmitigated_high"] is True


def test_threshold_sources_and_precedence(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "threatatlas.yaml").write_text("gate:\n  fail_on_critical: true\n  min_mitigation_ratio: 0.1\n")
    model = tmp_path / "svc" / "shop.threatmodel.yaml"
    model.parent.mkdir()
    model.write_text(MINIMAL + "gate:\n  fail_on_unmitigated_high: true\n  min_mitigation_ratio: 0.2\n")
    monkeypatch.chdir(tmp_path / "svc")
    result = run_cli("status", "shop.threatmodel.yaml", "--format", "text", "--thresholds", "min_mitigation_ratio=0.3",
                     "--no-fail-on-critical")
    assert result.code == 1
    assert "fail_on_critical          off    from command line" in result.out
    assert "fail_on_unmitigated_high  on     from gate: in shop.threatmodel.yaml" in result.out
    assert "min_mitigation_ratio      0.3    from --thresholds" in result.out
    plain = run_cli("status", "shop.threatmodel.yaml")
    assert json.loads(plain.out)["thresholds"] == {"fail_on_critical": True, "fail_on_unmitigated_high": True,
                                                   "min_mitigation_ratio": 0.2}
    monkeypatch.chdir("/")  # the config belongs to the model's repository, wherever the gate runs
    elsewhere = run_cli("status", str(model))
    assert json.loads(elsewhere.out)["thresholds"] == json.loads(plain.out)["thresholds"]


def test_an_invalid_config_is_reported_like_validate(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "threatatlas.yaml").write_text("gate:\n  fail_on_critcal: true\n")
    (tmp_path / "m.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    result = run_cli("status", str(tmp_path / "m.threatmodel.yaml"))
    assert result.code == 2 and result.out == ""
    assert f"{tmp_path / 'threatatlas.yaml'}:2:3: error[unknown-key] unknown key 'fail_on_critcal'" in result.err


def test_an_invalid_model_exits_2_with_validate_output(run_cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.threatmodel.yaml"
    bad.write_text(MINIMAL.replace("likelihood: 3", "likelihood: 9"))
    result = run_cli("status", str(bad), str(EXAMPLE), *GATE)
    validate = run_cli("validate", str(bad))
    assert result.code == 2
    assert validate.out in result.err
    assert json.loads(result.out)["product_name"] == "Payments API"  # the valid one is still evaluated


def test_several_products_give_an_array_and_the_worst_exit(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "a.threatmodel.yaml").write_text(MINIMAL)
    (tmp_path / "b.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    result = run_cli("status", str(tmp_path), "--fail-on-unmitigated-high")
    documents = json.loads(result.out)
    assert [d["product_id"] for d in documents] == [7, 1]
    assert [d["pass"] for d in documents] == [False, False] and result.code == 1
    assert not any(status_schema_errors(d) for d in documents)
    only = run_cli("status", str(tmp_path), "--product", "7")
    assert json.loads(only.out)["product_id"] == 7 and only.code == 0
    missing = run_cli("status", str(tmp_path), "--product", "99")
    assert missing.code == 2 and "no model for product 99" in missing.err


def test_duplicate_product_ids_are_refused(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "a.threatmodel.yaml").write_text(MINIMAL)
    (tmp_path / "b.threatmodel.yaml").write_text(MINIMAL)
    result = run_cli("status", str(tmp_path))
    assert result.code == 2 and "product id 7 is defined by both" in result.err


def test_exit_zero_and_output_file(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "status.json"
    result = run_cli("status", str(EXAMPLE), *GATE, "--exit-zero", "--output", str(out))
    assert result.code == 0 and result.out == ""
    assert json.loads(out.read_text())["pass"] is False


def test_passing_gate_exits_0(run_cli: Run) -> None:
    result = run_cli("status", str(EXAMPLE), "--fail-on-critical", "--min-mitigation-ratio", "0.75")
    assert result.code == 0 and json.loads(result.out)["pass"] is True


def test_bad_generated_at(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("status", str(EXAMPLE), "--generated-at", "yesterday").code == 2
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    assert "SOURCE_DATE_EPOCH must be" in run_cli("status", str(EXAMPLE)).err
