"""The format reference, generated from the JSON Schema so the two cannot drift."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_SCALAR_NAMES = {"id": "id", "text": "text", "markdown": "Markdown text", "date": "date (YYYY-MM-DD)",
                 "email": "e-mail", "url": "URL", "score": "integer 1–5"}


def _resolve(root: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref")
    if not ref:
        return None, schema
    name = ref.rsplit("/", 1)[-1]
    return name, root.get("$defs", {})[name]


def _type_of(root: dict[str, Any], schema: dict[str, Any]) -> str:
    name, target = _resolve(root, schema)
    if name in _SCALAR_NAMES:
        return _SCALAR_NAMES[name]
    if name:
        return f"[{name}](#{name})"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if schema.get("type") == "array":
        return "list of " + _type_of(root, schema["items"])
    if schema.get("type") == "object":
        return "mapping (below)"
    if isinstance(schema.get("type"), list):
        return " or ".join(schema["type"])
    if schema.get("type") == "integer" and "minimum" in schema:
        return f"integer ≥ {schema['minimum']}"
    return str(schema.get("type", "any"))


def _table(root: dict[str, Any], schema: dict[str, Any]) -> Iterator[str]:
    required = set(schema.get("required", ()))
    yield "| key | type | required | description |"
    yield "|---|---|---|---|"
    for key, prop in schema["properties"].items():
        description = prop.get("description") or _resolve(root, prop)[1].get("description", "")
        default = f" Default: `{prop['default']}`." if "default" in prop else ""
        yield f"| `{key}` | {_type_of(root, prop)} | {'yes' if key in required else 'no'} | {description}{default} |"


def _nested(name: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, prop in schema["properties"].items():
        if prop.get("type") == "object":
            yield f"{name}.{key}", prop
            yield from _nested(f"{name}.{key}", prop)


def _sections(root: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "top level", root
    yield from ((name.removeprefix("top level."), schema) for name, schema in _nested("top level", root))
    for name, definition in root.get("$defs", {}).items():
        if definition.get("type") == "object":
            yield name, definition
            yield from _nested(name, definition)


def render_reference(root: dict[str, Any], name: str = "threat-model") -> str:
    option = "" if name == "threat-model" else f"--name {name} "
    lines = [
        f"# {root['title']}",
        "",
        f"Generated from the JSON Schema by `threatatlas-tm schema {option}--format markdown`; do not edit by hand.",
        "",
        root["description"],
        "",
        f"Schema id: `{root['$id']}`. Every mapping is closed: keys not listed here are errors.",
        "",
    ]
    for title, schema in _sections(root):
        lines += [f"## {title}", "", schema.get("description", ""), "", *_table(root, schema), ""]
    forms = [(name, label) for name, label in _SCALAR_NAMES.items() if name in root.get("$defs", {})]
    if forms:
        lines += ["## Value forms", ""]
        lines += [f"- **{label}**: {root['$defs'][name]['description']}" for name, label in forms]
    return "\n".join(lines) + "\n"
