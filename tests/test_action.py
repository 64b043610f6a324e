"""The composite GitHub Action: its inputs map onto real `status` options, and its gate script
runs here exactly as on a runner (with threatatlas-tm already installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE, ROOT

from threatatlas_tm.cli import status

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
GATE_STEP = ACTION["runs"]["steps"][-1]


def test_script_uses_only_real_options() -> None:
    options = {opt for param in status.params for opt in getattr(param, "opts", [])}
    used = set(re.findall(r"(--[a-z][a-z-]+)", GATE_STEP["run"]))
    assert used <= options, used - options
    for name in ACTION["inputs"]:
        if name not in ("paths", "python-version"):
            assert f"INPUT_{name.upper().replace('-', '_')}" in GATE_STEP["env"]


def _run(tmp_path: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for name, spec in ACTION["inputs"].items():
        env[f"INPUT_{name.upper().replace('-', '_')}"] = inputs.get(name, spec.get("default", ""))
    return subprocess.run(["bash", "-c", GATE_STEP["run"]], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_gate_step_fails_on_the_example_and_writes_sarif(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = _run(tmp_path, paths=str(EXAMPLE.relative_to(ROOT)), **{"fail-on-unmitigated-high": "true",
                                                                    "sarif-file": str(sarif)})
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("::error file=examples/payments-api.threatmodel.yaml,line=76,")
    assert sarif.exists() and '"ruleId": "unmitigated-high"' in sarif.read_text()
    assert "| Mitigation ratio | 79% |" in (tmp_path / "summary.md").read_text()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_gate_step_passes_with_the_guides_query_string(tmp_path: Path) -> None:
    result = _run(tmp_path, paths="examples", thresholds="fail_on_critical=true&min_mitigation_ratio=0.7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("::notice title=Threat model gate passed::Payments API")
