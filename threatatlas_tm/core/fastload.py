"""The fast path for the common case: a clean file, read straight into plain data.

CI and pre-commit read valid models far more often than broken ones, so the first attempt
builds only the data and the start and end marks of each mapping (what the gate's outputs
point at), without the full node tree. Anything unusual (anchors, aliases, tags, merge or
duplicate keys, complex keys, deep nesting, a syntax error) returns None, and the caller
reads the file again with the full composer in yamlload, which explains every problem.
Both produce the same data: tests hold them to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isfinite
from typing import Any

import yaml

from threatatlas_tm.core.problems import Span
from threatatlas_tm.core.source import SourceText
from threatatlas_tm.core.yamlload import _IMPLICIT, _PLAIN_CACHE, MAX_DEPTH, Parser, resolve_plain

_MISSING = object()


class _Unusual(Exception):
    """Something only the full composer handles."""


@dataclass(frozen=True)
class FastDocument:
    data: Any
    marks: dict[int, tuple[Any, Any]]  # id(mapping) → (start mark, end mark); data keeps the ids alive

    def span_of(self, path: Any, mapping: dict[str, Any]) -> Span:
        start, end = self.marks[id(mapping)]
        return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def fast_parse(source: SourceText) -> FastDocument | None:
    parser = Parser(source.data)
    try:
        return _compose(parser.get_event)
    except (_Unusual, yaml.YAMLError):
        return None
    finally:
        if hasattr(parser, "dispose"):
            parser.dispose()


def _compose(get_event: Any) -> FastDocument | None:  # noqa: C901 - one hot loop, kept flat for speed
    scalar_event, map_start, map_end = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent
    seq_start, seq_end = yaml.SequenceStartEvent, yaml.SequenceEndEvent
    implicit, cache = _IMPLICIT, _PLAIN_CACHE
    marks: dict[int, tuple[Any, Any]] = {}
    stack: list[tuple[Any, bool, Any, Any, bool]] = []
    current: Any = None
    in_map = False
    key: Any = _MISSING
    root: Any = _MISSING
    start: Any = None
    flow = False
    last_end: Any = None  # where the last value ended: a block collection ends there
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            text = event.value
            last_end = event.end_mark
            if in_map and key is _MISSING:
                if text in current or text == "<<":
                    raise _Unusual
                key = text
                continue
            if event.implicit[0] and text[:1] in implicit:
                value = cache.get(text, _MISSING)
                if value is _MISSING:
                    value = resolve_plain(text)
                if value.__class__ is float and not isfinite(value):
                    raise _Unusual
            else:
                value = text
        elif kind is map_start or kind is seq_start:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 1:
                raise _Unusual
            stack.append((current, in_map, key, start, flow))
            current, in_map, key, start = ({} if kind is map_start else []), kind is map_start, _MISSING, event.start_mark
            flow = bool(event.flow_style)
            continue
        elif kind is map_end or kind is seq_end:
            if flow or last_end is None:
                last_end = event.end_mark
            if in_map:
                if key is not _MISSING:
                    raise _Unusual
                marks[id(current)] = (start, last_end)
            value = current
            current, in_map, key, start, flow = stack.pop()
        elif kind is yaml.StreamEndEvent:
            return None if root is _MISSING or root is None else FastDocument(root, marks)
        elif kind is yaml.DocumentStartEvent and root is not _MISSING or kind is yaml.AliasEvent:
            raise _Unusual
        else:
            continue
        if in_map:
            if key is _MISSING:  # a collection as a key
                raise _Unusual
            current[key] = value
            key = _MISSING
        elif current is not None:
            current.append(value)
        else:
            root = value
