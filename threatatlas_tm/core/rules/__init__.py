"""The one registry of rules: every problem threatatlas-tm reports has an id listed here.

Rules of the file, YAML and schema stages are reported by the loader and the schema check;
model rules run on a schema-valid model. Documentation and tests are driven by RULES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from threatatlas_tm.core.model import Path, ThreatModel
from threatatlas_tm.core.problems import Level


class Finding(NamedTuple):
    path: Path
    message: str
    hint: str = ""


ModelCheck = Callable[[ThreatModel], Iterator[Finding]]


class Rule(NamedTuple):
    id: str
    stage: str  # file | yaml | schema | model
    summary: str
    level: Level = Level.ERROR
    check: ModelCheck | None = None


def _loader_rules() -> list[Rule]:
    return [
        Rule("unreadable", "file", "A model file or folder that cannot be read (permissions, a dangling link, "
             "not a regular file); validate exits 2."),
        Rule("file-too-large", "file", "The file is larger than the 32 MiB limit."),
        Rule("binary-file", "file", "The file contains NUL bytes."),
        Rule("encoding", "file", "The file is not UTF-8 (a UTF-16/32 byte-order mark or an invalid byte)."),
        Rule("empty-file", "file", "The file holds no YAML document, or only an empty one."),
        Rule("yaml-syntax", "yaml", "The YAML cannot be parsed; the first syntax error is reported."),
        Rule("multi-document", "yaml", "The file holds more than one YAML document ('---')."),
        Rule("duplicate-key", "yaml", "A mapping repeats a key (YAML would silently keep one)."),
        Rule("non-finite-number", "yaml", "An unquoted .nan or .inf: no threshold or score can be infinite or NaN."),
        Rule("unsupported-tag", "yaml", "A YAML tag other than the standard data tags, e.g. !!python/object."),
        Rule("too-deep", "yaml", "Nesting deeper than 64 levels."),
        Rule("alias-bomb", "yaml", "Aliases expand to more nodes than the file holds ('billion laughs')."),
        Rule("unknown-key", "schema", "A key the format does not define; a close match is suggested."),
        Rule("missing-key", "schema", "A required key is missing."),
        Rule("wrong-type", "schema", "A value of the wrong type, e.g. a list where text is expected."),
        Rule("implicit-type", "schema", "An unquoted yes/no/on/off, number or empty value where text is "
             "expected (YAML 1.1 typing); quote it."),
        Rule("invalid-value", "schema", "A value outside its vocabulary (enum), empty, or too long."),
        Rule("out-of-range", "schema", "A number outside its range, e.g. likelihood 6."),
        Rule("invalid-format", "schema", "A value not in the expected form: id, date, e-mail or URL."),
        Rule("duplicate-item", "schema", "A list that must hold distinct items repeats one."),
        Rule("schema", "schema", "Any other schema violation."),
    ]


def _model_rules() -> list[Rule]:
    from threatatlas_tm.core.rules import identity, scoring, structure

    return [*identity.RULES, *structure.RULES, *scoring.RULES]


RULES: dict[str, Rule] = {rule.id: rule for rule in (*_loader_rules(), *_model_rules())}


def model_findings(model: ThreatModel) -> Iterator[tuple[Rule, Finding]]:
    for rule in RULES.values():
        if rule.check is not None:
            for finding in rule.check(model):
                yield rule, finding
