"""Problems are values: every finding carries its file, 1-based position, rule and hint."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


class Span(NamedTuple):
    """A 1-based region of a file; end is exclusive in column, as editors expect. A NamedTuple,
    not a dataclass: a large model makes tens of thousands of them, and this is 4x cheaper."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column)


FILE_START = Span.point(1, 1)


@dataclass(frozen=True)
class Problem:
    file: str
    span: Span
    rule: str
    message: str
    hint: str = ""
    path: str = "$"  # JSON path of the value concerned, e.g. $.threats[3].status
    level: Level = Level.ERROR

    @property
    def sort_key(self) -> tuple[str, Span, str, str]:
        return (self.file, self.span, self.rule, self.message)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.sort_key)


def json_path(parts: tuple[str | int, ...]) -> str:
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)
