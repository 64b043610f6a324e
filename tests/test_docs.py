"""The README, the generated format reference and CI cannot drift from the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult

from threatatlas_tm.core.schema import load_schema
from threatatlas_tm.errors import ExitCode
from threatatlas_tm.render import FORMATS
from threatatlas_tm.render.rules_table import render_markdown
from threatatlas_tm.render.schema_docs import render_reference

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_readme_rules_table_is_the_registry() -> None:
    block = README.split("<!-- rules:start", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert block.split("\n", 1)[1] == render_markdown()


@pytest.mark.parametrize(("doc", "name"), [("format.md", "threat-model"), ("security-status.md", "security-status")])
def test_references_are_generated_from_the_schemas(doc: str, name: str) -> None:
    assert (ROOT / "docs" / doc).read_text(encoding="utf-8") == render_reference(load_schema(name), name)


def test_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    install_and_run, install_and_test = _quick_start()
    assert "threatatlas-tm status examples/payments-api.threatmodel.yaml" in install_and_run
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_exit_code_table_matches_the_code() -> None:
    table = README.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    assert [int(code) for code in re.findall(r"^\| (\d) \|", table, flags=re.M)] == [int(c) for c in ExitCode]


def test_readme_lists_every_validate_format() -> None:
    for name in FORMATS["validate"]:
        assert f"--format {name}" in README


def test_readme_sample_output_is_real(run_cli: Callable[..., CliResult]) -> None:
    sample = README.split("```text\n", 1)[1].split("```", 1)[0]
    tests = Path(__file__).parent
    result = run_cli("validate", str(tests / "readme_sample.threatmodel.yaml"))
    assert result.out.replace(str(tests / "readme_sample.threatmodel.yaml"), "shop.threatmodel.yaml") == sample


@pytest.mark.parametrize("command", ["status", "report"])
def test_readme_formats_tables_are_the_registry(command: str) -> None:
    block = README.split(f"<!-- {command}-formats:start", 1)[1].split(f"<!-- {command}-formats:end -->", 1)[0]
    rows = [f"| `{f.name}` | {f.summary} |" for f in FORMATS[command].values()]
    assert block.split("\n", 1)[1] == "| format | output |\n|---|---|\n" + "\n".join(rows) + "\n"


def test_readme_status_example_is_real(run_cli: Callable[..., CliResult]) -> None:
    shown = README.split("For the example, with the guide's thresholds:", 1)[1].split("```json\n", 1)[1].split("\n```")[0]
    result = run_cli("status", str(ROOT / "examples" / "payments-api.threatmodel.yaml"), "--thresholds",
                     "fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7",
                     "--generated-at", "2026-12-03T15:58:06+00:00")
    assert result.out == shown + "\n"


def test_readme_worked_example_is_true() -> None:
    from helpers import check_text

    from threatatlas_tm.core.posture import Thresholds, evaluate

    yaml_block = README.split("### When is a threat mitigated?", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    header = ("threatatlas: 1\nproduct: {id: 1, name: P}\ndiagrams:\n  - id: d\n    name: D\n    elements:\n"
              + "".join(f"      - {{id: {e}, type: process, name: {e}}}\n" for e in ("api", "hooks", "db")))
    report = check_text(header + yaml_block)
    assert report.model is not None, report.problems
    posture = evaluate(report.model, Thresholds(fail_on_unmitigated_high=True))
    assert posture.failures == ["1 high/critical threat(s) have no active mitigation"]
    assert [t.id for t in posture.unmitigated_high] == ["T-3"] and posture.mitigation_ratio == 0.25


def test_readme_lists_every_server_route() -> None:
    from threatatlas_tm.server.openapi import document

    section = README.split("## The optional server", 1)[1].split("\n## ", 1)[0]
    for path in document()["paths"]:
        shown = path.replace("/download/report.md", "/download/report.md").replace("{product_id}", "{id}")
        assert f"`GET {shown}" in section or shown.rsplit("/", 1)[-1] in section, path
