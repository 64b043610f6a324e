"""The CLI end to end: outputs, exit codes (0 valid, 1 problems, 2 usage/input, 3 internal), colour."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE, MINIMAL, CliResult

from threatatlas_tm import __version__
from threatatlas_tm.core.schema import load_schema

Run = Callable[..., CliResult]


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "shop.threatmodel.yaml"
    path.write_text(MINIMAL.replace("likelihood: 3", "likelihood: 9").replace("status: proposed", "status: done"))
    return path


def test_valid_example_exits_0(run_cli: Run) -> None:
    result = run_cli("validate", str(EXAMPLE))
    assert result.code == 0
    assert result.out == ""
    assert "1 file checked: valid" in result.err


def test_problems_exit_1_in_gcc_style(run_cli: Run, broken: Path) -> None:
    result = run_cli("validate", str(broken))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{broken}:18:5: error[out-of-range] threats[0].likelihood is 9; it must be between 1 and 5",
        "    hint: use a value between 1 and 5",
        f"{broken}:26:5: error[invalid-value] mitigations[0].status is 'done'; expected one of: proposed, "
        "implemented, verified",
        "    hint: use one of: proposed, implemented, verified",
    ]
    assert "2 errors" in result.err


def test_json_format(run_cli: Run, broken: Path) -> None:
    result = run_cli("validate", "--format", "json", str(broken), str(EXAMPLE))
    document = json.loads(result.out)
    assert result.code == 1
    assert document["valid"] is False and document["summary"] == {"files": 2, "errors": 2, "warnings": 0}
    first = document["files"][0]["problems"][0]
    assert first == {"line": 18, "column": 5, "end_line": 18, "end_column": 15, "level": "error",
                     "rule": "out-of-range", "message": "threats[0].likelihood is 9; it must be between 1 and 5",
                     "hint": "use a value between 1 and 5", "path": "$.threats[0].likelihood"}


def test_directories_are_searched_and_hidden_folders_skipped(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "threatmodel.yaml").write_text(MINIMAL)
    (tmp_path / "a" / "api.threatmodel.yml").write_text(MINIMAL)
    (tmp_path / "a" / "notes.yaml").write_text("not: a model\n")
    (tmp_path / ".git" / "x.threatmodel.yaml").write_text("broken: [\n")
    result = run_cli("validate", str(tmp_path))
    assert result.code == 0, result.out
    assert "2 files checked: valid" in result.err


def test_nothing_to_validate_exits_2(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate")
    assert result.code == 2
    assert "no threat-model files under the current folder" in result.err


def test_missing_path_exits_2(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "no such file or directory" in result.err


def test_unknown_option_exits_2(run_cli: Run) -> None:
    assert run_cli("validate", "--format", "xml").code == 2
    assert run_cli("frobnicate").code == 2


def test_internal_error_exits_3_without_traceback(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(path: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("threatatlas_tm.core.validate.check_file", explode)
    result = run_cli("validate", str(EXAMPLE))
    assert result.code == 3
    assert "internal error: RuntimeError: boom" in result.err and "Traceback" not in result.err
    debug = run_cli("--debug", "validate", str(EXAMPLE))
    assert debug.code == 3 and "Traceback" in debug.err


@pytest.mark.parametrize(("args", "env", "colored"), [
    (["--color", "always"], {}, True),
    (["--color", "never"], {}, False),
    (["--color", "auto"], {}, False),  # captured output is not a terminal
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # an explicit flag wins over the environment
])
def test_color(run_cli: Run, broken: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
               env: dict[str, str], colored: bool) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert ("\033[" in run_cli("validate", *args, str(broken)).out) is colored


def test_no_color_env_beats_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from threatatlas_tm.cli import _use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    assert _use_color("auto", Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert _use_color("auto", Tty()) is False


def test_init_writes_a_valid_model_and_never_clobbers(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path), "--name", "Payments API", "--id", "3")
    target = tmp_path / "threatmodel.yaml"
    assert result.code == 0 and target.exists()
    assert run_cli("validate", str(target)).code == 0
    again = run_cli("init", str(target))
    assert again.code == 2 and "already exists" in again.err
    assert run_cli("init", str(target), "--force", "--schema-ref", "../schemas/x.json").code == 0
    assert target.read_text().startswith("# yaml-language-server: $schema=../schemas/x.json\n")


def test_schema_command(run_cli: Run) -> None:
    assert json.loads(run_cli("schema").out) == load_schema()
    path = Path(run_cli("schema", "--path").out.strip())
    assert json.loads(path.read_text()) == load_schema()
    assert run_cli("schema", "--format", "markdown").out.startswith("# ThreatAtlas threat model, format v1")


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


@pytest.mark.parametrize("command", [[sys.executable, "-m", "threatatlas_tm"], ["threatatlas-tm"]])
def test_entry_points(command: list[str], broken: Path) -> None:
    scripts = Path(sys.executable).parent
    if command[0] == "threatatlas-tm":
        command = [str(scripts / "threatatlas-tm")]
    ok = subprocess.run([*command, "validate", str(EXAMPLE)], capture_output=True, text=True)
    bad = subprocess.run([*command, "validate", str(broken)], capture_output=True, text=True)
    assert (ok.returncode, bad.returncode) == (0, 1)
    assert f"{broken}:18:5: error[out-of-range]" in bad.stdout
