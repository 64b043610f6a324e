"""Which files are threat models: the naming convention shared by discovery and the pre-commit hook."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from threatatlas_tm.core.source import InputError

MODEL_FILE_PATTERNS = ("*.threatmodel.yaml", "*.threatmodel.yml", "threatmodel.yaml")
# The same convention as a pre-commit `files:` regex (matched against repo-relative paths).
MODEL_FILE_REGEX = r"(^|/)([^/]+\.threatmodel\.ya?ml|threatmodel\.yaml)$"
_SKIPPED_DIRS = {"node_modules", "__pycache__", "venv"}


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    # found but not readable as a regular file: (path, reason); reported, never silently dropped
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


_SUFFIXES = tuple(p.removeprefix("*") for p in MODEL_FILE_PATTERNS if p.startswith("*"))
_NAMES = tuple(p for p in MODEL_FILE_PATTERNS if "*" not in p)


def is_model_file(name: str) -> bool:
    return name.endswith(_SUFFIXES) or name in _NAMES


def _not_regular(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    return None if stat.S_ISREG(mode) else "not a regular file"


def _walk(directory: Path, found: Discovery) -> None:
    def unreadable_dir(error: OSError) -> None:
        found.unreadable.append((Path(error.filename or directory), f"cannot read folder: {error.strerror or error}"))

    for parent, dirs, files in os.walk(directory, onerror=unreadable_dir):
        # hidden folders (.git, .venv, .tox) and dependency trees hold no models of ours
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if is_model_file(name):
                path = Path(parent, name)
                reason = _not_regular(path)
                if reason:
                    found.unreadable.append((path, reason))
                else:
                    found.files.append(path)


def discover(paths: Sequence[str]) -> Discovery:
    """Files named explicitly are taken whatever their name; folders are searched."""
    found = Discovery()
    for raw in paths or (".",):
        if not raw:
            raise InputError("an empty path was given")
        path = Path(raw)
        if path.is_dir():
            _walk(path, found)
        elif not os.path.lexists(path):
            raise InputError(f"{raw}: no such file or directory")
        else:
            reason = _not_regular(path)
            if reason:
                raise InputError(f"{raw}: {reason}")
            found.files.append(path)
    found.files = list(dict.fromkeys(found.files))
    return found
