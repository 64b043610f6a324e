"""The validation pipeline: bytes → text → YAML → schema → model → model rules."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from threatatlas_tm.core.build import build_from_data, build_model
from threatatlas_tm.core.fastload import fast_parse
from threatatlas_tm.core.locate import anchor_node, locate
from threatatlas_tm.core.model import ThreatModel
from threatatlas_tm.core.problems import FILE_START, Level, Problem, json_path, sorted_problems
from threatatlas_tm.core.rules import model_findings
from threatatlas_tm.core.schema import check_schema, fast_check
from threatatlas_tm.core.source import InputError, SourceText, check_text, read_bytes
from threatatlas_tm.core.yamlload import YamlDocument, parse_yaml


@dataclass(frozen=True)
class FileReport:
    file: str
    problems: tuple[Problem, ...]
    model: ThreatModel | None  # only for a document without errors: what the gate may evaluate

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level is Level.ERROR)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unreadable(self) -> bool:
        return any(p.rule == "unreadable" for p in self.problems)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A model becomes hundreds of thousands of small acyclic objects; the cyclic collector
    would rescan them again and again (measured: 2.5x the parse time at 10,000 threats).
    Reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_bytes(file: str, data: bytes) -> FileReport:
    with _gc_paused():
        return _check_bytes(file, data)


def _check_bytes(file: str, data: bytes) -> FileReport:
    unchecked, _ = check_text(file, data, verify_utf8=False)
    found = _fast_check(unchecked) if unchecked is not None else None
    return found if found is not None else check_document(file, data)


def check_document(file: str, data: bytes, schema_name: str = "threat-model") -> FileReport:
    """The full check, explaining every problem, against the model schema or another one of
    ours (threatatlas.yaml's)."""
    source, problem = check_text(file, data)
    if source is None:
        return FileReport(file, (problem,) if problem else (), None)
    return _full_check(source, schema_name)


def _fast_check(source: SourceText) -> FileReport | None:
    """A clean model needs no node tree: if anything at all is wrong, the full check explains it."""
    fast = fast_parse(source)
    if fast is None or not isinstance(fast.data, dict) or not fast_check()(fast.data):
        return None
    model = build_from_data(source.file, fast.data, fast.span_of)
    if next(model_findings(model), None) is not None:
        return None
    return FileReport(source.file, (), model)


def _full_check(source: SourceText, schema_name: str) -> FileReport:
    file = source.file
    parsed = parse_yaml(source)
    if parsed.document is None:
        return FileReport(file, tuple(sorted_problems(list(parsed.problems))), None)
    schema = check_schema(file, parsed.document, schema_name)
    problems = [*parsed.problems, *schema.problems]
    if not isinstance(parsed.document.data, dict):
        return FileReport(file, tuple(sorted_problems(problems)), None)
    # model rules run on what the schema accepted, so one run reports both kinds of problem
    model = build_model(file, parsed.document, schema.invalid if schema.problems else None)
    problems += _model_problems(file, parsed.document, model)
    usable = not any(p.level is Level.ERROR for p in problems)  # the gate judges only a valid model
    return FileReport(file, tuple(sorted_problems(problems)), model if usable else None)


def _model_problems(file: str, document: YamlDocument, model: ThreatModel) -> list[Problem]:
    problems = []
    for rule, finding in model_findings(model):
        node = anchor_node(locate(document.root, finding.path))
        problems.append(Problem(file, node.span, rule.id, finding.message, finding.hint, json_path(finding.path), rule.level))
    return problems


def check_file(path: Path) -> FileReport:
    try:
        data = read_bytes(path)
    except InputError as error:
        return unreadable_report(path, str(error.__cause__ or error))
    return check_bytes(str(path), data)


def unreadable_report(path: Path, reason: str) -> FileReport:
    problem = Problem(str(path), FILE_START, "unreadable", reason, "check the path and its permissions")
    return FileReport(str(path), (problem,), None)
