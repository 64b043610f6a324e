"""The wheel carries the schema and the starter template, and works outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (built,) = out.glob("threatatlas_tm-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "threatatlas_tm/schemas/threat-model.schema.json" in names
    assert "threatatlas_tm/templates/starter.threatmodel.yaml" in names
    assert "threatatlas_tm/py.typed" in names
    assert not any(name.startswith(("tests/", "bench/", "examples/")) for name in names)


def test_installed_wheel_works_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(target)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "threatatlas_tm", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=60)

    schema_path = Path(run("schema", "--path").stdout.strip())
    assert schema_path.is_relative_to(target) and json.loads(schema_path.read_text())["$id"]
    assert run("validate").returncode == 0
    assert run("init", "new.threatmodel.yaml").returncode == 0
    assert run("validate", "new.threatmodel.yaml").returncode == 0
