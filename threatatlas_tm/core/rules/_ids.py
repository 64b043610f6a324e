"""Lookups shared by the model rules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_hint(wanted: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(wanted, sorted(set(known)), n=1, cutoff=0.5)
    return f"did you mean '{match[0]}'?" if match else ""
