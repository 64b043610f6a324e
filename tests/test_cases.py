"""Data-driven: each file in tests/cases lists, in its `# expect:` header, every problem it must
produce (rule line:column), and every rule in the registry has at least one such file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from threatatlas_tm.core.rules import RULES
from threatatlas_tm.core.validate import check_file

CASES = sorted((Path(__file__).parent / "cases").glob("*.threatmodel.yaml"))
# Rules whose input cannot carry a comment header (binary, encodings, size, unreadable files) or
# is built in code: test_loader.py and test_cli.py cover them. `schema` is the catch-all that the
# current schema's keywords never reach.
COVERED_ELSEWHERE = {"file-too-large", "binary-file", "encoding", "too-deep", "schema", "unreadable"}


def expectations(path: Path) -> list[tuple[str, int, int]]:
    found = re.findall(r"^# expect: (\S+) (\d+):(\d+)$", path.read_text(encoding="utf-8"), flags=re.M)
    return [(rule, int(line), int(col)) for rule, line, col in found]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_case_reports_exactly_the_expected_problems(path: Path) -> None:
    report = check_file(path)
    got = [(p.rule, p.span.line, p.span.column) for p in report.problems]
    assert got == expectations(path)
    assert all(p.message and p.hint for p in report.problems), "every problem says how to fix it"


def test_every_rule_has_a_case() -> None:
    covered = {rule for path in CASES for rule, _, _ in expectations(path)}
    assert set(RULES) - COVERED_ELSEWHERE <= covered
    assert covered <= set(RULES)
