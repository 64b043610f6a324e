"""Lookups shared by the model rules."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def closest_hint(wanted: str, known: Collection[str]) -> str:
    match = difflib.get_close_matches(wanted, sorted(known), n=1, cutoff=0.5)
    return f"did you mean '{match[0]}'?" if match else ""


class Suggester:
    """'Did you mean' hints at a bounded total cost. Each lookup compares against every known
    id, so a file with thousands of broken references would take minutes; past the budget the
    problems are still reported, without the suggestion."""

    BUDGET = 100_000  # id comparisons per file

    def __init__(self) -> None:
        self.spent = 0

    def hint(self, wanted: str, known: Collection[str]) -> str:
        self.spent += len(known)
        return closest_hint(wanted, known) if self.spent <= self.BUDGET else ""
