"""Parse YAML once into plain data plus a node tree that remembers where every value stood.

We compose straight from the parser's events instead of using yaml.compose + construct:
it is one pass, keys stay in source order with their marks, duplicate keys are caught
(PyYAML keeps the last silently), dates stay strings, and hostile input (alias bombs, deep
nesting) is stopped while reading instead of after the damage is done.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from threatatlas_tm.core.problems import FILE_START, Problem, Span
from threatatlas_tm.core.source import SourceText, position_of

MAX_DEPTH = 64
MIN_ALIAS_BUDGET = 100_000  # aliases may add at most max(this, nodes in the file) nodes

try:  # libyaml's C parser is several times faster; PyYAML may be built without it
    from yaml.cyaml import CParser as Parser  # type: ignore[attr-defined]  # not in types-PyYAML

    LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    Parser = yaml.SafeLoader  # type: ignore[assignment,misc]
    LIBYAML = False

__all__ = ["LIBYAML", "MAX_DEPTH", "Node", "ParseResult", "Parser", "YamlDocument", "parse_yaml", "resolve_plain"]

_IMPLICIT = Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_PLAIN_DATA_TAGS = {
    _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}
_COLLECTION_TAGS = {"map": "tag:yaml.org,2002:map", "seq": "tag:yaml.org,2002:seq"}
_SKIP_VALUE = object()  # stands for a key that could not be read: its value is dropped too
_SYNTAX_HINTS = {
    "that cannot start any token": "YAML is indented with spaces only; replace tabs and check "
    "that the line does not start with a reserved character such as '@' or '`' (quote it)",
    "mapping values are not allowed": "a value that contains ': ' must be quoted, "
    "or the line is indented deeper than its key",
    "could not find expected ':'": "a key is missing its ':' or the line is indented wrongly",
    "did not find expected key": "check the indentation: items of one mapping must line up",
    "did not find expected '-' indicator": "check the indentation: items of one list must line up",
    "found undefined alias": "define the anchor (&name) before the alias (*name) that uses it",
    "found unknown escape character": "inside double quotes a backslash starts an escape; "
    "use single quotes or write \\\\",
    "while scanning a quoted scalar": "a quoted text is not closed; add the closing quote",
}


class Node:
    """A composed YAML node: kind, marks, and the data value built from it."""

    __slots__ = ("kind", "start", "end", "value", "plain", "text", "children", "merges", "alias")

    def __init__(self, kind: str, start: Any, end: Any, value: Any) -> None:
        self.kind = kind  # "map" | "seq" | "scalar"
        self.start = start
        self.end = end
        self.value = value
        self.plain = False  # scalars: written without quotes, so YAML 1.1 typing applied
        self.text = ""  # scalars: the text as written
        # map: {key: (key node, value node)}; seq: [item nodes]
        self.children: Any = None
        self.merges: list[Node] | None = None  # maps: the values of its '<<' keys, in order
        self.alias = False  # an alias: children are the anchor's, positions are the alias's

    @property
    def span(self) -> Span:
        return Span(self.start.line + 1, self.start.column + 1, self.end.line + 1, self.end.column + 1)


class YamlDocument(NamedTuple):
    data: Any
    root: Node


class ParseResult(NamedTuple):
    document: YamlDocument | None
    problems: tuple[Problem, ...]


def mark_span(mark: Any) -> Span:
    return Span.point(mark.line + 1, mark.column + 1)


class _Composer:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.node_count = 0  # nodes written in the file
        self.alias_nodes = 0  # nodes that aliases repeat
        self.weight = 0  # node_count + alias_nodes: the size of the expanded tree so far
        # frames: [node, weight at its start, pending key node or None, anchor, flow style]
        self.stack: list[list[Any]] = []
        self.root: Node | None = None
        self.last_end: Any = None  # where the last value ended: a block collection ends there

    def problem(self, span: Span, rule: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, span, rule, message, hint))

    def run(self, parser: Any) -> None:
        documents = 0
        scalar_event, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is scalar_event:
                self.attach(self.scalar(event))
            elif kind is map_start or kind is seq_start:
                self.open(event, "map" if kind is map_start else "seq")
            elif kind in collection_end:
                self.close(event)
            elif kind is yaml.AliasEvent:
                self.alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.problem(
                        mark_span(event.start_mark), "multi-document",
                        "a second YAML document starts here; a threat-model file holds one product",
                        "remove the '---' separator or move the second product to a file of its own",
                    )
                    return
            elif kind is yaml.StreamEndEvent:
                return

    def scalar(self, event: Any) -> Node:
        self.node_count += 1
        self.weight += 1
        node = Node("scalar", event.start_mark, event.end_mark, None)
        self.last_end = event.end_mark
        node.text = text = event.value
        tag = event.tag
        if tag is None and event.implicit[0]:
            node.plain = True
            if text[:1] not in _IMPLICIT:  # most text: no YAML 1.1 type starts with this character
                node.value = text
            else:
                cached = _PLAIN_CACHE.get(text, _MISSING)
                node.value = cached if cached is not _MISSING else resolve_plain(text)
        elif tag is None or tag == "!" or tag == _STR:
            node.value = text
        else:
            node.value = self.tagged(event, text)
        if isinstance(node.value, float) and not math.isfinite(node.value):
            self.problem(node.span, "non-finite-number", f"{text!r} is not a finite number",
                         "write a number such as 0.7, or quote it if it is meant as text")
        if event.anchor:
            self.anchors[event.anchor] = (node, 1)
        return node

    def tagged(self, event: Any, text: str) -> Any:
        if event.tag not in _PLAIN_DATA_TAGS:
            self.unsupported_tag(event)
            return text
        if event.tag == "tag:yaml.org,2002:timestamp":
            return text
        try:
            return _construct(event.tag, text)
        except _CONSTRUCT_ERRORS:
            self.problem(mark_span(event.start_mark), "yaml-syntax", f"{text!r} is not a valid {event.tag.rsplit(':', 1)[-1]}",
                         "fix the value or remove the explicit tag")
            return text

    def unsupported_tag(self, event: Any) -> None:
        self.problem(
            mark_span(event.start_mark), "unsupported-tag",
            f"the tag {event.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed: threat models hold plain data only",
            "remove the tag",
        )

    def open(self, event: Any, kind: str) -> None:
        if event.tag not in (None, "!", _COLLECTION_TAGS[kind]):
            self.unsupported_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            self.problem(mark_span(event.start_mark), "too-deep",
                         f"nesting is deeper than {MAX_DEPTH} levels", "a threat model is at most a few levels deep; "
                         "check for runaway brackets or indentation")
            raise _Stop
        self.node_count += 1
        self.weight += 1
        node = Node(kind, event.start_mark, event.end_mark, {} if kind == "map" else [])
        node.children = {} if kind == "map" else []
        self.stack.append([node, self.weight, None, getattr(event, "anchor", None), bool(event.flow_style)])

    def close(self, event: Any) -> None:
        node, start_weight, _, anchor, flow = self.stack.pop()
        if flow or self.last_end is None:
            self.last_end = event.end_mark
        node.end = self.last_end
        if node.merges:
            self.merge(node)
        if anchor:
            self.anchors[anchor] = (node, self.weight - start_weight + 1)
        self.attach(node)

    def alias(self, event: Any) -> None:
        found = self.anchors.get(event.anchor)
        if found is None:
            self.problem(mark_span(event.start_mark), "yaml-syntax", f"the alias *{event.anchor} has no anchor before it",
                         f"define &{event.anchor} on an earlier value, or replace the alias with the value itself")
            raise _Stop
        node, size = found
        self.alias_nodes += size
        self.weight += size
        if self.alias_nodes > max(MIN_ALIAS_BUDGET, self.node_count):
            self.problem(mark_span(event.start_mark), "alias-bomb",
                         "aliases expand to more nodes than the whole file holds (a 'billion laughs' pattern)",
                         "write the repeated values out, or use fewer nested aliases")
            raise _Stop
        self.attach(_alias_of(node, event))

    def attach(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        parent: Node = frame[0]
        if parent.kind == "seq":
            parent.children.append(node)
            parent.value.append(node.value)
        elif frame[2] is None:
            if node.kind != "scalar":
                self.problem(node.span, "yaml-syntax", "a key must be plain text, not a list or mapping",
                             "write the key as text; put the structure on the value side")
            frame[2] = node if node.kind == "scalar" else _SKIP_VALUE
        else:
            if frame[2] is not _SKIP_VALUE:
                self.set_key(parent, frame[2], node)
            frame[2] = None

    def set_key(self, parent: Node, key_node: Node, node: Node) -> None:
        key = key_node.text
        if key == "<<" and key_node.plain:  # a YAML merge key; quoted '<<' is an ordinary key
            parent.merges = [*(parent.merges or ()), node]
            return
        previous = parent.children.get(key)
        if previous is not None:
            first = previous[0].span.line
            self.problem(key_node.span, "duplicate-key", f"duplicate key '{key}' (first defined on line {first})",
                         "YAML keeps only one of them; remove or rename the duplicate")
        parent.children[key] = (key_node, node)
        parent.value[key] = node.value

    def merge(self, node: Node) -> None:
        sources = [item for source in node.merges or () for item in (source.children if source.kind == "seq" else [source])]
        merged: dict[str, tuple[Node, Node]] = {}
        for item in sources:
            if item.kind != "map":
                self.problem(item.span, "yaml-syntax", "a merge key '<<' takes a mapping or a list of mappings",
                             "point '<<' at an anchored mapping, e.g. '<<: *defaults'")
                continue
            for key, pair in item.children.items():
                merged.setdefault(key, pair)
        for key, pair in merged.items():
            if key not in node.children:
                node.children[key] = pair
                node.value[key] = pair[1].value


class _Stop(Exception):
    """Raised inside the composer when reading further would be unsafe or pointless."""


def _alias_of(target: Node, event: Any) -> Node:
    """The aliased node again, but marked where the alias stands, so problems point there."""
    node = Node(target.kind, event.start_mark, event.end_mark, target.value)
    node.plain, node.text, node.children = target.plain, target.text, target.children
    node.alias = True
    return node


_CONSTRUCT_ERRORS = (ValueError, KeyError, IndexError, OverflowError, yaml.YAMLError)
_MISSING = object()
# Models repeat the same short plain values (statuses, categories, scores) thousands of times;
# resolving them is the parser's hottest Python code. Values are immutable, so sharing is safe.
_PLAIN_CACHE: dict[str, Any] = {}
_PLAIN_CACHE_LIMIT = 4096


def resolve_plain(text: str) -> Any:
    value: Any = text
    for tag, regexp in _IMPLICIT.get(text[:1], ()):
        if regexp.match(text):
            # dates stay the text the author wrote; '<<' stays a key
            if tag not in (_STR, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"):
                try:
                    value = _construct(tag, text)
                except _CONSTRUCT_ERRORS:  # e.g. '0x_' matches YAML 1.1's int form but is no number
                    value = text
            break
    if len(text) <= 32 and len(_PLAIN_CACHE) < _PLAIN_CACHE_LIMIT:
        _PLAIN_CACHE[text] = value
    return value


def _construct(tag: str, text: str) -> Any:
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return SafeConstructor.bool_values[text.lower()]
    if tag in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
        raise ValueError(text)
    method = SafeConstructor.yaml_constructors[tag]
    return method(_CONSTRUCTOR, yaml.ScalarNode(tag, text))


def _code_point(character: Any) -> str:
    code = character if isinstance(character, int) else ord(character)
    return f"U+{code:04X}"


def _syntax_problem(source: SourceText, error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.reader.ReaderError):
        return Problem(source.file, position_of(source.data, error.position), "yaml-syntax",
                       f"the character {_code_point(error.character)} is not allowed in YAML text",
                       "remove the control character or write it as an escape inside double quotes")
    mark = getattr(error, "problem_mark", None)
    span = mark_span(mark) if mark is not None else FILE_START
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"{context}: {problem}" if context else problem
    if "maximum nesting depth" in message:  # libyaml's own limit, met before ours on flow brackets
        return Problem(source.file, span, "too-deep", "nesting is too deep for the YAML parser",
                       "a threat model is at most a few levels deep; check for runaway brackets")
    hint = next((h for needle, h in _SYNTAX_HINTS.items() if needle in message), "fix the YAML syntax at this position")
    return Problem(source.file, span, "yaml-syntax", message, hint)


def parse_yaml(source: SourceText) -> ParseResult:
    composer = _Composer(source.file)
    parser = Parser(source.data)
    try:
        composer.run(parser)
    except _Stop:
        return ParseResult(None, tuple(composer.problems))
    except yaml.YAMLError as error:
        return ParseResult(None, (*composer.problems, _syntax_problem(source, error)))
    finally:
        if hasattr(parser, "dispose"):
            parser.dispose()
    root = composer.root
    if root is None or (root.kind == "scalar" and root.value is None):
        empty = Problem(source.file, FILE_START, "empty-file", "the file holds no threat model",
                        "start from 'threatatlas-tm init', which writes a commented starter model")
        return ParseResult(None, (*composer.problems, empty))
    return ParseResult(YamlDocument(root.value, root), tuple(composer.problems))
