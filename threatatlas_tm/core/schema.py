"""The published JSON Schema: loading it, checking a document, and explaining every error."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from threatatlas_tm.core.fastcheck import Check, compile_schema, ecma_pattern
from threatatlas_tm.core.locate import Located, anchor_node, locate
from threatatlas_tm.core.model import Path as JsonPath
from threatatlas_tm.core.problems import Problem, json_path
from threatatlas_tm.core.yamlload import Node, YamlDocument

SCHEMAS = {"threat-model": "threat-model.schema.json", "security-status": "security-status.schema.json"}

_RULE_BY_KEYWORD = {
    "additionalProperties": "unknown-key",
    "required": "missing-key",
    "type": "wrong-type",
    "enum": "invalid-value",
    "const": "invalid-value",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "minLength": "invalid-value",
    "maxLength": "invalid-value",
    "minItems": "invalid-value",
    "uniqueItems": "duplicate-item",
    "pattern": "invalid-format",
}
_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "empty",
}


_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"  # importlib.resources costs 12 ms to import


def schema_file(name: str = "threat-model") -> Path:
    return _SCHEMA_DIR / SCHEMAS[name]


@lru_cache(maxsize=None)
def load_schema(name: str = "threat-model") -> dict[str, Any]:
    if name == "config":
        return _config_schema()
    loaded: dict[str, Any] = json.loads(schema_file(name).read_text(encoding="utf-8"))
    return loaded


def _config_schema() -> dict[str, Any]:
    """threatatlas.yaml in a repository root: a `gate:` section, defined once in the model schema."""
    model = load_schema()
    return {
        "$schema": model["$schema"], "type": "object", "additionalProperties": False,
        "properties": {"gate": model["properties"]["gate"]}, "$defs": model["$defs"],
    }


@lru_cache(maxsize=None)
def fast_check(name: str = "threat-model") -> Check:
    return compile_schema(load_schema(name))


class SchemaResult(NamedTuple):
    problems: tuple[Problem, ...]
    invalid: frozenset[JsonPath]  # paths of values the schema rejected (not of mappings missing a key)


@lru_cache(maxsize=None)
def explaining_validator(name: str = "threat-model") -> Any:
    """jsonschema's draft 2020-12 validator with ECMA-262 '$' in patterns, as editors apply it."""
    from jsonschema import Draft202012Validator, ValidationError, validators  # costly: only for invalid files

    def pattern(validator: Any, regex: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not ecma_pattern(regex).search(instance):
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    extended = validators.extend(Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]
    return extended(load_schema(name))


def check_schema(file: str, document: YamlDocument, name: str = "threat-model") -> SchemaResult:
    if fast_check(name)(document.data):
        return SchemaResult((), frozenset())
    problems: list[Problem] = []
    invalid: set[JsonPath] = set()
    for error in explaining_validator(name).iter_errors(document.data):
        problems.extend(_explain(file, document.root, error))
        if error.validator not in ("required", "additionalProperties"):
            invalid.add(tuple(error.absolute_path))
    return SchemaResult(tuple(problems), frozenset(invalid))


def _explain(file: str, root: Node, error: Any) -> list[Problem]:
    path = tuple(error.absolute_path)
    found = locate(root, path)
    keyword = error.validator
    if keyword == "additionalProperties":
        return _unknown_keys(file, found, path, error)
    if keyword == "required":
        return [_missing_key(file, found, path, error)]
    message, hint = _describe(keyword, found, error)
    rule = "implicit-type" if _quote_hint(found.node, error.instance, error.schema) else _RULE_BY_KEYWORD.get(keyword, "schema")
    return [Problem(file, anchor_node(found).span, rule, message, hint, json_path(path))]


def _where(path: tuple[str | int, ...]) -> str:
    return json_path(path).removeprefix("$.") if path else "the top level"


def _unknown_keys(file: str, found: Located, path: tuple[Any, ...], error: Any) -> list[Problem]:
    allowed = sorted(error.schema.get("properties", {}))
    problems = []
    for key in sorted(set(error.instance) - set(allowed)):
        key_node, _ = found.node.children[key]
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "allowed keys: " + ", ".join(allowed)
        problems.append(Problem(file, key_node.span, "unknown-key", f"unknown key '{key}' in {_where(path)}",
                                hint, json_path((*path, key))))
    return problems


def _missing_key(file: str, found: Located, path: tuple[Any, ...], error: Any) -> Problem:
    missing = error.message.split("'")[1] if error.message.count("'") >= 2 else str(error.message)
    node = anchor_node(found)
    return Problem(file, node.span, "missing-key", f"{_where(path)} is missing the required key '{missing}'",
                   f"add '{missing}: …' here", json_path(path))


def _describe(keyword: str, found: Located, error: Any) -> tuple[str, str]:
    value, node, schema = error.instance, found.node, error.schema
    name = _where(tuple(error.absolute_path))
    if keyword == "type":
        return _type_message(name, node, value, schema["type"])
    if keyword == "const" and name == "threatatlas":
        return (f"threatatlas is {_shown(node, value)}; this version of threatatlas-tm reads format 1",
                "write 'threatatlas: 1', or upgrade threatatlas-tm to read a newer format")
    if keyword in ("enum", "const"):
        options = schema.get("enum", [schema.get("const")])
        shown = ", ".join(str(o) for o in options)
        close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.6)
        quote = _quote_hint(node, value, schema)
        hint = quote or (f"did you mean '{close[0]}'?" if close else f"use one of: {shown}")
        return f"{name} is {_shown(node, value)}; expected one of: {shown}", hint
    if keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = f"between {low} and {high}" if low is not None and high is not None else f"at least {low}" if low is not None else f"at most {high}"
        return f"{name} is {value}; it must be {bounds}", f"use a value {bounds}"
    if keyword == "pattern":
        return f"{name} is {_shown(node, value)}, which does not match the expected form", _pattern_hint(schema)
    if keyword == "uniqueItems":
        return f"{name} lists the same item twice", "remove the repeated item"
    if keyword in ("minLength", "maxLength"):
        limit = schema.get(keyword)
        return (f"{name} is empty" if keyword == "minLength" else f"{name} is longer than {limit} characters",
                "write a short one-line text" if keyword == "maxLength" else "write a value or remove the key")
    return f"{name}: {error.message}", "see the schema: threatatlas-tm schema"


def _pattern_hint(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    return {
        "date": "write the date as YYYY-MM-DD, e.g. 2026-11-20",
        "email": "write an e-mail address such as name@example.com",
        "uri": "write a full URL starting with https://",
    }.get(fmt or "", "ids use letters, digits, '.', '_' and '-', and start with a letter or digit")


def _shown(node: Node, value: Any) -> str:
    return repr(node.text) if node.kind == "scalar" and node.text else repr(value)


def _type_message(name: str, node: Node, value: Any, expected: Any) -> tuple[str, str]:
    names: list[str] = expected if isinstance(expected, list) else [expected]
    wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
    hint = _quote_hint(node, value, {"type": names})
    if hint and isinstance(value, bool):
        return f"{name} is {node.text!r}, which YAML 1.1 reads as the boolean {str(value).lower()}, not text", hint
    return f"{name} must be {wanted}, not {_kind_of(value)}", hint or f"write {wanted} here"


def _expects_text(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type", ())
    if "string" in (kinds if isinstance(kinds, list) else [kinds]):
        return True
    return False


def _quote_hint(node: Node, value: Any, schema: dict[str, Any]) -> str:
    """YAML 1.1 reads unquoted yes/no/on/off, numbers and '~' as non-text: say so where the
    quoted text would be valid."""
    if node.kind != "scalar" or not node.plain or isinstance(value, str):
        return ""
    options = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if (node.text in options) if options is not None else _expects_text(schema):
        return f'quote it: "{node.text}"'
    return ""


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "an empty value"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the text {value!r}"
