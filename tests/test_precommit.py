"""The real pre-commit tool runs this repository's hook in a throw-away git repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import MINIMAL, ROOT

from threatatlas_tm.core.discover import MODEL_FILE_REGEX, is_model_file

MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_manifest_matches_the_discovery_convention() -> None:
    (hook,) = MANIFEST
    assert hook["id"] == "threatatlas-validate"
    assert hook["files"] == MODEL_FILE_REGEX
    assert hook["entry"].split()[0] == "threatatlas-tm"
    names = ["api.threatmodel.yaml", "x/api.threatmodel.yml", "threatmodel.yaml", "a/b/threatmodel.yaml",
             "threatmodel.yml", "api.yaml", "threatmodel.yaml.bak", "my-threatmodel.yaml"]
    for name in names:
        assert bool(re.search(hook["files"], name)) == is_model_file(name.rsplit("/", 1)[-1]), name


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    return env


def _run_hook(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "threatatlas-validate", "--all-files",
         "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )


def _repo_with(tmp_path: Path, text: str) -> Path:
    repo = tmp_path / "app"
    (repo / "threatmodels").mkdir(parents=True)
    (repo / "threatmodels" / "shop.threatmodel.yaml").write_text(text)
    (repo / "README.md").write_text("not a model\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    return repo


def test_hook_passes_a_valid_model(tmp_path: Path, precommit_env: dict[str, str]) -> None:
    result = _run_hook(_repo_with(tmp_path, MINIMAL), precommit_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"validate threat models\.+Passed", result.stdout)


def test_hook_rejects_a_broken_model_with_positions(tmp_path: Path, precommit_env: dict[str, str]) -> None:
    text = MINIMAL.replace("likelihood: 3", "likelihood: 3\n    likelihood: 4").replace("element: web\n    likelihood",
                                                                                      "element: wbe\n    likelihood")
    result = _run_hook(_repo_with(tmp_path, text), precommit_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"validate threat models\.+Failed", result.stdout)
    assert "threatmodels/shop.threatmodel.yaml:19:5: error[duplicate-key] duplicate key 'likelihood'" in result.stdout
    assert "threatmodels/shop.threatmodel.yaml:17:5: error[unknown-reference] unknown element or flow 'wbe'" in result.stdout
