"""The loader: encodings, binary files, sizes, YAML pitfalls and hostile input, with exact positions."""

from __future__ import annotations

import codecs

import pytest
from helpers import check_text, positions

from threatatlas_tm.core import source, yamlload
from threatatlas_tm.core.source import check_text as check_source
from threatatlas_tm.core.validate import check_bytes

VALID = "threatatlas: 1\nproduct:\n  id: 1\n  name: Shop\n  last_reviewed: 2026-11-20\n"


def test_dates_stay_text() -> None:
    report = check_text(VALID)
    assert report.ok
    assert report.model is not None and report.model.product.last_reviewed == "2026-11-20"


def test_invalid_utf8_is_reported_at_the_byte() -> None:
    data = VALID.replace("Shop", "Caf\xe9").encode("latin-1")
    report = check_bytes("m.yaml", data)
    assert positions(report) == [("encoding", 4, 12)]
    assert "UTF-8" in report.problems[0].hint


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF32_BE])
def test_utf16_and_utf32_are_named(bom: bytes) -> None:
    report = check_bytes("m.yaml", bom + VALID.encode("utf-16-le"))
    assert positions(report) == [("encoding", 1, 1)]


def test_utf8_bom_is_accepted() -> None:
    assert check_bytes("m.yaml", codecs.BOM_UTF8 + VALID.encode()).ok


def test_binary_file_is_reported_at_the_first_nul() -> None:
    report = check_bytes("m.yaml", b"threatatlas: 1\nab\x00cd")
    assert positions(report) == [("binary-file", 2, 3)]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "~\n", "---\n...\n"])
def test_empty_documents(text: str) -> None:
    assert positions(check_text(text)) == [("empty-file", 1, 1)]


def test_too_large_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_BYTES", 64)
    report = check_text(VALID + "# padding " * 10)
    assert positions(report) == [("file-too-large", 1, 1)]


@pytest.mark.parametrize(("depth", "column"), [(900, 3 + yamlload.MAX_DEPTH), (100_000, 1003 if yamlload.LIBYAML else 3 + yamlload.MAX_DEPTH)])
def test_deep_nesting_stops_without_recursion(depth: int, column: int) -> None:
    report = check_text("a: " + "[" * depth + "]" * depth + "\n")
    assert positions(report) == [("too-deep", 1, column)]


def test_deep_block_nesting() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200))
    report = check_text(text)
    assert [p.rule for p in report.problems] == ["too-deep"]
    assert report.problems[0].span.line == yamlload.MAX_DEPTH + 1


def test_self_referencing_alias_is_refused() -> None:
    report = check_text("a: &x [1, *x]\n")
    assert positions(report) == [("yaml-syntax", 1, 11)]


def test_aliases_and_merge_keys_within_budget() -> None:
    text = (
        "threatatlas: 1\nproduct: {id: 1, name: Shop}\n"
        "threats:\n"
        "  - &base {id: T-1, title: One, likelihood: 2, impact: 2}\n"
        "  - <<: *base\n    id: T-2\n"
    )
    report = check_text(text)
    assert report.ok, report.problems
    assert report.model is not None
    assert [t.id for t in report.model.threats] == ["T-1", "T-2"]
    assert report.model.threats[1].title == "One"


def test_explicit_str_tag_keeps_text() -> None:
    report = check_text(VALID.replace("name: Shop", "name: !!str yes"))
    assert report.ok and report.model is not None and report.model.product.name == "yes"


def test_syntax_error_keeps_earlier_duplicates() -> None:
    text = "threatatlas: 1\nthreatatlas: 1\nproduct: [\n"
    assert [p.rule for p in check_text(text).problems] == ["duplicate-key", "yaml-syntax"]


def test_columns_count_characters_not_bytes() -> None:
    text = "threatatlas: 1\nproduct: {name: 日本語の製品, id: 1, colour: x}\n"
    report = check_text(text)
    assert positions(report) == [("unknown-key", 2, 32)]


def test_control_characters_are_a_syntax_error() -> None:
    report = check_text("threatatlas: 1\nproduct: {id: 1, name: \x07}\n")
    assert positions(report) == [("yaml-syntax", 2, 24)]


def test_source_check_passes_valid_text_through() -> None:
    text, problem = check_source("m.yaml", VALID.encode())
    assert problem is None and text is not None and text.data == VALID.encode()


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: 1\na: 2\n", "<<: {a: 1}\n", "? [a]\n: 1\n", "a: [\n", "--- 1\n--- 2\n",
])
def test_fast_path_hands_unusual_files_to_the_full_composer(text: str) -> None:
    from threatatlas_tm.core.fastload import fast_parse
    from threatatlas_tm.core.source import SourceText

    assert fast_parse(SourceText("m", text.encode())) is None
