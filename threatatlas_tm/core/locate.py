"""Find the YAML node behind a JSON path, so every error points at the line the user wrote."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from threatatlas_tm.core.yamlload import Node


class Located(NamedTuple):
    node: Node  # the value at the path, or the deepest node reached when the path goes further
    key: Node | None  # the key node when the value is a mapping entry


def locate(root: Node, path: Iterable[str | int]) -> Located:
    node, key = root, None
    for part in path:
        if node.alias:  # inside, positions are the anchor's; the alias is where the user looks
            return Located(node, key)
        child = _child(node, part)
        if child is None:
            return Located(node, key)
        key, node = child
    return Located(node, key)


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    if node.kind == "map" and isinstance(part, str) and part in node.children:
        key, value = node.children[part]
        return key, value
    if node.kind == "seq" and isinstance(part, int) and 0 <= part < len(node.children):
        return None, node.children[part]
    return None


def anchor_node(found: Located) -> Node:
    """Where a message about a value belongs: its key when it has one (a block value often
    starts on the next line), else the value itself."""
    return found.key if found.key is not None else found.node
