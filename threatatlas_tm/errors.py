"""Exit codes, and the errors that cross the CLI boundary. Mapped to codes only in cli.main."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # valid / gate passed
    FINDINGS = 1  # problems found / gate failed
    USAGE = 2  # unusable input or usage error
    INTERNAL = 3  # a bug in threatatlas-tm


class UsageProblem(Exception):
    """Something the user asked for cannot be done as asked (exit 2)."""
