from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from threatatlas_tm.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "payments-api.threatmodel.yaml"

# A small valid model that tests edit; line numbers matter to the tests that use it.
MINIMAL = """\
threatatlas: 1
product:
  id: 7
  name: Shop
diagrams:
  - id: main
    name: Main
    elements:
      - {id: dc, type: boundary, name: DC}
      - {id: web, type: process, name: Web, boundary: dc}
      - {id: db, type: datastore, name: DB, boundary: dc}
    flows:
      - {id: q, from: web, to: db, name: Query}
threats:
  - id: T-1
    title: Injection
    element: web
    likelihood: 3
    impact: 4
    status: identified
mitigations:
  - id: M-1
    title: Bind parameters
    element: web
    threats: [T-1]
    status: proposed
"""


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
