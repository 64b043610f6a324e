"""Properties: any generated valid model validates; a mutation at a known place is reported there."""

from __future__ import annotations

import copy
from typing import Any

from helpers import check_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from modelgen import models, render

from threatatlas_tm.core.schema import fast_check, load_schema

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(models())
def test_generated_models_validate(data: dict[str, Any]) -> None:
    rendered = render(data)
    report = check_text(rendered.text)
    assert report.problems == (), rendered.text
    assert report.model is not None
    assert [t.id for t in report.model.threats] == [t["id"] for t in data["threats"]]
    assert report.model.product.name == data["product"]["name"]


# (key to change, new YAML value, rule expected at that key's line)
MUTATIONS = [
    ("likelihood", "7", "out-of-range"),
    ("status", "bogus", "invalid-value"),
    ("title", "yes", "implicit-type"),
    ("title", '""', "invalid-value"),
    ("id", '"T 1"', "invalid-format"),
    ("category", "Tampering-ish", "unknown-category"),
    ("element", "no-such-element", "unknown-reference"),
]


@SETTINGS
@given(models().filter(lambda d: d["threats"]), st.data())
def test_a_mutated_threat_is_reported_at_its_line(data: dict[str, Any], draw: st.DataObject) -> None:
    rendered = render(data)
    index = draw.draw(st.integers(0, len(data["threats"]) - 1))
    threat = data["threats"][index]
    key, value, rule = draw.draw(st.sampled_from([m for m in MUTATIONS if m[0] in threat]))
    line_no = rendered.lines[("threats", index, key)]
    lines = rendered.text.splitlines()
    prefix = lines[line_no - 1].split(f"{key}:")[0]
    lines[line_no - 1] = f"{prefix}{key}: {value}"
    report = check_text("\n".join(lines) + "\n")
    found = [(p.rule, p.span.line, p.span.column) for p in report.problems]
    assert (rule, line_no, len(prefix) + 1) in found
    # the only other problems allowed: references to the threat id the mutation changed
    others = [p for p in report.problems if p.span.line != line_no]
    assert all(p.rule == "unknown-reference" and key == "id" for p in others), found


@SETTINGS
@given(models(), st.data())
def test_an_unknown_or_duplicate_key_is_reported_at_its_line(data: dict[str, Any], draw: st.DataObject) -> None:
    rendered = render(data)
    line_no = draw.draw(st.sampled_from(sorted(rendered.lines.values())))
    lines = rendered.text.splitlines()
    original = lines[line_no - 1]
    indent = len(original) - len(original.lstrip(" -"))
    key = original.strip(" -").split(":")[0]
    duplicate = draw.draw(st.booleans())
    extra = f"{' ' * indent}{key if duplicate else 'zz-extra'}: {original.split(': ', 1)[1]}"
    lines.insert(line_no, extra)
    report = check_text("\n".join(lines) + "\n")
    expected = ("duplicate-key" if duplicate else "unknown-key", line_no + 1, indent + 1)
    assert expected in [(p.rule, p.span.line, p.span.column) for p in report.problems]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 8) | st.floats(allow_nan=False, width=32) | st.text(max_size=5)
    | st.sampled_from(["T-0", "e0", "high", "mitigated", "2026-11-20", "a b"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


@SETTINGS
@given(models(), st.data())
def test_fast_check_agrees_with_jsonschema(data: dict[str, Any], draw: st.DataObject) -> None:
    mutated = copy.deepcopy(data)
    path = draw.draw(st.sampled_from(_paths(mutated)))
    replacement = draw.draw(JSON)
    if path:
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = replacement
    else:
        mutated = replacement
    reference = not any(True for _ in Draft202012Validator(load_schema()).iter_errors(mutated))
    assert fast_check()(mutated) is reference


@SETTINGS
@given(models())
def test_fast_path_and_full_composer_agree(data: dict[str, Any]) -> None:
    from threatatlas_tm.core.build import build_from_data, build_model
    from threatatlas_tm.core.fastload import fast_parse
    from threatatlas_tm.core.source import SourceText
    from threatatlas_tm.core.yamlload import parse_yaml

    source = SourceText("m.yaml", render(data).text.encode())
    fast, full = fast_parse(source), parse_yaml(source).document
    assert fast is not None and full is not None
    assert fast.data == full.data
    assert build_from_data("m.yaml", fast.data, fast.span_of) == build_model("m.yaml", full)
