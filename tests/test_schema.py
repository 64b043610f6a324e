"""The published schema: valid against its metaschema, editor-friendly, and matching the examples."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT
from helpers import check_text, positions
from jsonschema import Draft7Validator, Draft202012Validator

from threatatlas_tm.core.schema import load_schema, schema_file
from threatatlas_tm.core.yamlload import YamlDocument
from threatatlas_tm.starter import starter_text

SCHEMA_PATH = ROOT / "schemas" / "threat-model.schema.json"
# Keywords that draft-07-only editors (older yaml-language-server) do not understand.
NOT_IN_DRAFT7 = {"prefixItems", "$dynamicRef", "$dynamicAnchor", "unevaluatedProperties",
                 "unevaluatedItems", "dependentRequired", "dependentSchemas", "$anchor"}


def subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from subschemas(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from subschemas(value)


def test_schema_is_valid_against_its_metaschema() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "/v1/" in schema["$id"]


def test_security_status_schema_is_valid() -> None:
    schema = load_schema("security-status")
    Draft202012Validator.check_schema(schema)
    assert "/v1/" in schema["$id"]


def test_schema_stays_in_the_draft7_subset() -> None:
    schema = load_schema()
    Draft7Validator.check_schema({k: v for k, v in schema.items() if k != "$schema"})
    used = {key for sub in subschemas(schema) for key in sub}
    assert not used & NOT_IN_DRAFT7


def test_every_object_is_closed_and_every_property_described() -> None:
    for sub in subschemas(load_schema()):
        if sub.get("type") == "object":
            assert sub.get("additionalProperties") is False, sub.get("description")
            for name, prop in sub["properties"].items():
                assert prop.get("description"), name


def test_installed_schema_is_the_repository_schema() -> None:
    assert schema_file().read_bytes() == SCHEMA_PATH.read_bytes()


def _examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_examples_validate_with_jsonschema_too(path: Path) -> None:
    report = check_text(path.read_text(encoding="utf-8"), str(path))
    assert report.ok, report.problems
    from threatatlas_tm.core.yamlload import parse_yaml
    from threatatlas_tm.core.source import check_text as source_of

    source, _ = source_of(str(path), path.read_bytes())
    assert source is not None
    document = parse_yaml(source).document
    assert isinstance(document, YamlDocument)
    assert not list(Draft202012Validator(load_schema()).iter_errors(document.data))


def test_starter_model_validates_as_written() -> None:
    text = starter_text("Café «Ω» 日本", 42, None, datetime.date(2026, 12, 3))
    report = check_text(text)
    assert report.ok and not report.problems, report.problems
    assert report.model is not None and report.model.product.name == "Café «Ω» 日本"
    assert text.startswith("# yaml-language-server: $schema=" + load_schema()["$id"])


def test_example_has_the_guide_numbers() -> None:
    report = check_text(EXAMPLE.read_text(encoding="utf-8"))
    model = report.model
    assert model is not None and model.product.name == "Payments API" and model.product.id == 1
    severities = [t.severity for t in model.threats]
    assert [severities.count(s) for s in ("critical", "high", "medium", "low", None)] == [0, 3, 8, 13, 0]
    assert sum(t.status == "mitigated" for t in model.threats) == 19


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("  colour: blue\n", [("unknown-key", 5, 3)]),
        ("  statsu: design\n", [("unknown-key", 5, 3)]),
        ("  tags: [a, a]\n", [("duplicate-item", 5, 3)]),
        ("  owner: {email: x@example.com}\n", [("missing-key", 5, 3)]),
        ("  owner: {name: Jo, email: not-an-address}\n", [("invalid-format", 5, 21)]),
    ],
)
def test_schema_errors_point_at_the_key(snippet: str, expected: list[tuple[str, int, int]]) -> None:
    text = "threatatlas: 1\nproduct:\n  id: 1\n  name: Shop\n" + snippet
    assert positions(check_text(text)) == expected


def test_unknown_key_suggests_the_closest_key() -> None:
    report = check_text("threatatlas: 1\nproduct:\n  id: 1\n  name: Shop\n  statsu: design\n")
    assert report.problems[0].hint == "did you mean 'status'?"
    assert report.problems[0].path == "$.product.statsu"


def test_schema_json_is_tidy() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert json.loads(text) == load_schema()
    assert text.endswith("}\n")
