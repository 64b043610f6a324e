"""Regressions from an adversarial review: odd YAML, hostile text, odd files, follow-on errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINIMAL, CliResult
from helpers import check_text, positions

from threatatlas_tm.core.rules._ids import Suggester
from threatatlas_tm.core.validate import check_bytes

HEAD = "threatatlas: 1\nproduct: {id: 1, name: P}\n"


@pytest.mark.parametrize("line", ["x: !!bool maybe", 'x: !!int ""', 'x: !!float ""', "x: 0x_", "0b_: 1"])
def test_odd_scalars_are_problems_not_crashes(line: str) -> None:
    report = check_text(HEAD + line + "\n")
    assert report.problems and all(p.span.line == 3 for p in report.problems)


def test_trailing_newline_does_not_pass_a_pattern() -> None:
    report = check_text(HEAD + 'threats: [{id: "T1\\n", title: t}]\n')
    assert [p.rule for p in report.problems] == ["invalid-format"]


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert [p.rule for p in check_text("threatatlas: 1\nproduct: {'<<': {id: 1}, name: P}\n").problems] == [
        "missing-key", "unknown-key"]


def test_two_merge_keys_both_merge() -> None:
    report = check_text("threatatlas: 1\nproduct:\n  <<: {id: 1}\n  <<: {name: P}\n")
    assert report.ok, report.problems


@pytest.mark.parametrize("text", ["product: !!str {id: 1, name: P}\n", "product: {id: 1, name: P}\nthreats: !!int []\n"])
def test_scalar_tag_on_a_collection(text: str) -> None:
    assert "unsupported-tag" in [p.rule for p in check_text("threatatlas: 1\n" + text).problems]


def test_complex_key_is_reported_once() -> None:
    report = check_text(HEAD + "? [a]\n: 1\n? {b: 1}\n: 2\n")
    assert positions(report) == [("yaml-syntax", 3, 3), ("yaml-syntax", 5, 3)]


def test_positions_after_a_bom_and_with_cr_line_breaks() -> None:
    assert positions(check_bytes("m", b"\xef\xbb\xbfthreatatlas: caf\xe9\n")) == [("encoding", 1, 17)]
    report = check_bytes("m", b"threatatlas: 1\rproduct: {id: 1,\r name: P\x07}\r")
    assert positions(report) == [("yaml-syntax", 3, 9)]
    assert "U+0007" in report.problems[0].message


def test_alias_problems_point_at_the_alias() -> None:
    report = check_text("threatatlas: &k threatatlas\nproduct: {id: 1, name: P}\n*k : 1\n")
    assert positions(report) == [("duplicate-key", 3, 1)]
    report = check_text(HEAD + "threats:\n  - &t {id: T, title: t}\n  - *t\n")
    assert positions(report) == [("duplicate-id", 5, 5)]


def test_user_text_cannot_forge_output_lines(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = tmp_path / "m.threatmodel.yaml"
    path.write_text(HEAD + '"\\e[31mRED\\e[0m\\nfake.yaml:1:1: error[x] y": 1\n')
    result = run_cli("validate", str(path))
    assert "\x1b" not in result.out
    assert [line for line in result.out.splitlines() if not line.startswith("    hint:")] == [
        f"{path}:3:1: error[unknown-key] unknown key '\\x1b[31mRED\\x1b[0m\\nfake.yaml:1:1: error[x] y' in the top level"]


@pytest.mark.parametrize(
    "body",
    [
        "diagrams:\n  - {id: d, name: D, elements: [{id: b, type: boundry, name: B}, {id: a, type: process, name: A, boundary: b}]}\n",
        "threats: [{id: T, title: t, framework: stride, category: Linkability}]\n",
        "diagrams:\n  - {id: d, name: D, elements: [{id: a, type: process, name: A}], flows: [{id: f, from: a, to: 1, name: F}]}\n",
        "diagrams:\n  - {id: d, name: D, elements: [{id: a, type: process, name: A}]}\nmitigations: [{id: M, title: m, element: yes}]\n",
        "threats: [{id: T, title: t}]\nmitigations: [{id: M, title: m, threats: [T, T]}]\n",
        "diagrams:\n  - {id: d, name: D, elements: {id: a}, flows: [{id: f, from: a, to: a, name: F}]}\n",
        "threats: {id: T}\nmitigations: [{id: M, title: m, threats: [T]}]\n",
        "threats: [{id: T, title: t, status: accepted, acceptance: x}]\n",
        "threats: [{id: T, title: t, likelihood: 6, impact: 2, severity: low}]\n",
    ],
)
def test_a_rejected_value_gives_no_follow_on_problem(body: str) -> None:
    report = check_text(HEAD + body)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].rule in {"invalid-value", "wrong-type", "implicit-type", "duplicate-item", "out-of-range"}


def test_schema_and_model_problems_come_together() -> None:
    text = MINIMAL.replace("likelihood: 3", "likelihood: 30").replace("element: web\n    likelihood", "element: wbe\n    likelihood")
    assert [p.rule for p in check_text(text).problems] == ["unknown-reference", "out-of-range"]


def test_suggestions_stop_at_the_budget_but_problems_do_not() -> None:
    n = 1_500
    elements = "".join(f"      - {{id: element-{i:05d}, type: process, name: E}}\n" for i in range(n))
    threats = "".join(f"  - {{id: T-{i}, title: t, element: elemnt-{i:05d}x}}\n" for i in range(n))
    text = HEAD + "diagrams:\n  - id: d\n    name: D\n    elements:\n" + elements + "threats:\n" + threats
    problems = check_text(text).problems
    assert len(problems) == n and all(p.rule == "unknown-reference" for p in problems)
    hinted = [p for p in problems if p.hint.startswith("did you mean")]
    assert 0 < len(hinted) <= Suggester.BUDGET // n + 1 < n


def test_fifo_and_dangling_link_in_a_folder(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    (tmp_path / "good.threatmodel.yaml").write_text(MINIMAL)
    os.mkfifo(tmp_path / "pipe.threatmodel.yaml")
    (tmp_path / "gone.threatmodel.yaml").symlink_to(tmp_path / "nowhere")
    result = run_cli("validate", str(tmp_path))
    assert result.code == 2
    assert f"{tmp_path / 'pipe.threatmodel.yaml'}:1:1: error[unreadable] not a regular file" in result.out
    assert f"{tmp_path / 'gone.threatmodel.yaml'}:1:1: error[unreadable] cannot read" in result.out
    assert "3 files checked" in result.err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_folder_is_reported(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "ok.threatmodel.yaml").write_text(MINIMAL)
    locked.chmod(0)
    try:
        result = run_cli("validate", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert result.code == 2 and "error[unreadable] cannot read folder" in result.out


@pytest.mark.parametrize(("arg", "message"), [("", "an empty path"), ("/dev/null", "not a regular file")])
def test_bad_explicit_paths(run_cli: Callable[..., CliResult], arg: str, message: str) -> None:
    result = run_cli("validate", arg)
    assert result.code == 2 and message in result.err
