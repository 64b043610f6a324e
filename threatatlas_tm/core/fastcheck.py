"""A yes/no JSON Schema check compiled into closures, for the keyword subset our schema uses.

Why not only jsonschema: importing it costs about 0.1 s and it validates a 10,000-threat
model in seconds; pre-commit and CI run this on every commit. jsonschema stays the reference:
it runs whenever this check says "invalid", to explain every error. Compiling refuses any
keyword it does not implement, so the schema cannot grow a rule this check silently skips,
and tests hold both validators to the same verdict.
"""

from __future__ import annotations

import math
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
    final newline, which would let "T-1\\n" pass as an id."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": lambda v: type(v) in (int, float),
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    return type(a) is type(b) and a == b if isinstance(a, (str, list, dict)) else a == b


def _freeze(value: Any) -> Any:
    return value if type(value) in (int, float) else (type(value) is bool, repr(value))


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


class SchemaCompiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.compiled: dict[str, Check] = {}
        self.compiling: set[str] = set()

    def ref(self, pointer: str) -> Check:
        if pointer in self.compiled:
            return self.compiled[pointer]
        if pointer in self.compiling:  # a recursive schema: resolve at call time
            return lambda v: self.compiled[pointer](v)
        self.compiling.add(pointer)
        target: Any = self.root
        for part in pointer.removeprefix("#/").split("/"):
            target = target[part]
        self.compiled[pointer] = self.compile(target)
        return self.compiled[pointer]

    def compile(self, schema: dict[str, Any]) -> Check:
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise ValueError(f"fastcheck does not implement {sorted(unknown)}")
        checks = [self.ref(schema["$ref"])] if "$ref" in schema else []
        own = {k: v for k, v in schema.items() if k not in _ANNOTATIONS and k != "$ref"}
        if own:
            checks.append(self._own(own))
        return _all(checks) if checks else (lambda v: True)

    def _own(self, schema: dict[str, Any]) -> Check:
        """Specialised closures for the common shapes; anything else goes the generic way."""
        kind, keys = schema.get("type"), set(schema)
        if kind == "object" and keys <= {"type", "properties", "required", "additionalProperties"}:
            return self._object(schema)
        if kind == "array" and keys <= {"type", "items", "uniqueItems", "minItems"}:
            return self._array(schema)
        if kind == "string" and keys <= {"type", "minLength", "maxLength", "pattern"}:
            return self._string(schema)
        if kind == "integer" and keys <= {"type", "minimum", "maximum"}:
            return _integer(schema.get("minimum"), schema.get("maximum"))
        if kind is None and set(schema) == {"enum"} and all(type(o) is str for o in schema["enum"]):
            options = frozenset(schema["enum"])
            return lambda v: type(v) is str and v in options
        return self._generic(schema)

    def _generic(self, schema: dict[str, Any]) -> Check:
        checks: list[Check] = []
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            tests = [_TYPES[name] for name in names]
            checks.append(lambda v: any(test(v) for test in tests))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: _same(v, const))
        if "enum" in schema:
            options = schema["enum"]
            checks.append(lambda v: any(_same(v, option) for option in options))
        rest = {k: v for k, v in schema.items() if k not in ("type", "const", "enum")}
        if rest:
            checks += [c for c in (self._object_part(rest), self._array_part(rest), _string_part(rest),
                                   _number_part(rest)) if c is not None]
        return _all(checks) if checks else (lambda v: True)

    def _object(self, schema: dict[str, Any]) -> Check:
        return self._object_check(schema, typed=True)

    def _object_part(self, schema: dict[str, Any]) -> Check | None:
        if not (schema.get("properties") or schema.get("required") or schema.get("additionalProperties") is False):
            return None
        return self._object_check(schema, typed=False)

    def _object_check(self, schema: dict[str, Any], typed: bool) -> Check:
        """typed: the value must be a mapping; otherwise a non-mapping passes (another
        keyword judges its type)."""
        props = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        required = frozenset(schema.get("required", ()))
        allowed = frozenset(props) if schema.get("additionalProperties", True) is False else None

        def check(v: Any) -> bool:
            if type(v) is not dict:
                return not typed
            keys = v.keys()
            if not required <= keys or (allowed is not None and not keys <= allowed):
                return False
            for key, item in v.items():
                prop = props.get(key)
                if prop is not None and not prop(item):
                    return False
            return True

        return check

    def _array(self, schema: dict[str, Any]) -> Check:
        part = self._array_part(schema)
        if part is None:
            return lambda v: type(v) is list
        if set(schema) <= {"type", "items"}:
            item = self.compile(schema["items"])
            return lambda v: type(v) is list and all(map(item, v))
        return lambda v: type(v) is list and part(v)

    def _array_part(self, schema: dict[str, Any]) -> Check | None:
        item = self.compile(schema["items"]) if "items" in schema else None
        unique = schema.get("uniqueItems", False)
        min_items = schema.get("minItems", 0)
        if not (item or unique or min_items):
            return None

        def check(v: Any) -> bool:
            if type(v) is not list:
                return True
            if len(v) < min_items or (unique and len({_freeze(x) for x in v}) != len(v)):
                return False
            if item is not None:
                for x in v:
                    if not item(x):
                        return False
            return True

        return check

    @staticmethod
    def _string(schema: dict[str, Any]) -> Check:
        """One closure, not a type test wrapped around a constraint test: strings are most values."""
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        search = ecma_pattern(schema["pattern"]).search if "pattern" in schema else None
        if high is None and search is None:
            return lambda v: type(v) is str and len(v) >= low
        limit = high if high is not None else float("inf")
        if search is None:
            return lambda v: type(v) is str and low <= len(v) <= limit
        return lambda v: type(v) is str and low <= len(v) <= limit and search(v) is not None


def _integer(low: float | None, high: float | None) -> Check:
    lowest = -math.inf if low is None else low
    highest = math.inf if high is None else high

    def check(v: Any) -> bool:
        kind = type(v)
        if kind is not int and (kind is not float or not v.is_integer()):
            return False
        return bool(lowest <= v <= highest)

    return check


def _string_part(schema: dict[str, Any]) -> Check | None:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    search = ecma_pattern(schema["pattern"]).search if "pattern" in schema else None
    if not (low or high is not None or search):
        return None

    def check(v: Any) -> bool:
        if type(v) is not str:
            return True
        if len(v) < low or (high is not None and len(v) > high):
            return False
        return search is None or search(v) is not None

    return check


def _number_part(schema: dict[str, Any]) -> Check | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None and high is None:
        return None

    def check(v: Any) -> bool:
        if type(v) not in (int, float):
            return True
        return (low is None or v >= low) and (high is None or v <= high)

    return check


def compile_schema(schema: dict[str, Any]) -> Check:
    return SchemaCompiler(schema).compile(schema)
