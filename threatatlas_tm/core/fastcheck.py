"""A yes/no JSON Schema check compiled into closures, for the keyword subset our schema uses.

Why not only jsonschema: importing it costs about 0.1 s and it validates a 10,000-threat
model in seconds; pre-commit and CI run this on every commit. jsonschema stays the reference:
it runs whenever this check says "invalid", to explain every error. Compiling refuses any
keyword it does not implement, so the schema cannot grow a rule this check silently skips,
and tests hold both validators to the same verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "default", "format", "$comment", "examples"}
_SUPPORTED = _ANNOTATIONS | {
    "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items",
    "uniqueItems", "minimum", "maximum", "minLength", "maxLength", "minItems", "pattern",
}


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """JSON Schema patterns are ECMA-262: '$' ends the text. Python's '$' also matches before a
    final newline, which would let "T-1\n" pass as an id."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return type(a) is type(b) and a == b if isinstance(a, (str, list, dict)) else a == b


def _freeze(value: Any) -> Any:
    return (type(value) is bool, repr(value)) if not isinstance(value, (int, float)) or isinstance(value, bool) else value


class SchemaCompiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.compiled: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if pointer not in self.compiled:
            self.compiled[pointer] = lambda v: self.compiled[pointer + "!"](v)  # allows recursion
            target: Any = self.root
            for part in pointer.removeprefix("#/").split("/"):
                target = target[part]
            self.compiled[pointer + "!"] = self.compile(target)
        return self.compiled[pointer]

    def compile(self, schema: dict[str, Any]) -> Check:
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise ValueError(f"fastcheck does not implement {sorted(unknown)}")
        checks = [c for c in self._checks(schema) if c is not None]
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def _checks(self, schema: dict[str, Any]) -> list[Check | None]:
        return [
            self._ref(schema), self._type(schema), self._enum(schema), self._object(schema),
            self._array(schema), self._string(schema), self._number(schema),
        ]

    def _ref(self, schema: dict[str, Any]) -> Check | None:
        return self.ref(schema["$ref"]) if "$ref" in schema else None

    @staticmethod
    def _type(schema: dict[str, Any]) -> Check | None:
        if "type" not in schema:
            return None
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        tests = [_TYPES[name] for name in names]
        return lambda v: any(test(v) for test in tests)

    @staticmethod
    def _enum(schema: dict[str, Any]) -> Check | None:
        if "const" in schema:
            const = schema["const"]
            return lambda v: _same(v, const)
        if "enum" in schema:
            options = schema["enum"]
            return lambda v: any(_same(v, option) for option in options)
        return None

    def _object(self, schema: dict[str, Any]) -> Check | None:
        props = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        required = frozenset(schema.get("required", ()))
        closed = schema.get("additionalProperties", True) is False
        if not (props or required or closed):
            return None
        allowed = frozenset(props)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            keys = v.keys()
            if not required <= keys or (closed and not keys <= allowed):
                return False
            return all(props[k](item) for k, item in v.items() if k in props)

        return check

    def _array(self, schema: dict[str, Any]) -> Check | None:
        item = self.compile(schema["items"]) if "items" in schema else None
        unique = schema.get("uniqueItems", False)
        min_items = schema.get("minItems", 0)

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if len(v) < min_items or (unique and len({_freeze(x) for x in v}) != len(v)):
                return False
            return item is None or all(item(x) for x in v)

        return check if item or unique or min_items else None

    @staticmethod
    def _string(schema: dict[str, Any]) -> Check | None:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = ecma_pattern(schema["pattern"]).search if "pattern" in schema else None
        if not (low or high is not None or pattern):
            return None

        def check(v: Any) -> bool:
            if not isinstance(v, str):
                return True
            if len(v) < low or (high is not None and len(v) > high):
                return False
            return pattern is None or pattern(v) is not None

        return check

    @staticmethod
    def _number(schema: dict[str, Any]) -> Check | None:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None and high is None:
            return None

        def check(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return True
            return (low is None or v >= low) and (high is None or v <= high)

        return check


def compile_schema(schema: dict[str, Any]) -> Check:
    return SchemaCompiler(schema).compile(schema)
