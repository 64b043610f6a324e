"""Which files are threat models: the naming convention shared by discovery and the pre-commit hook."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from threatatlas_tm.core.source import InputError

MODEL_FILE_PATTERNS = ("*.threatmodel.yaml", "*.threatmodel.yml", "threatmodel.yaml")
# The same convention as a pre-commit `files:` regex (matched against repo-relative paths).
MODEL_FILE_REGEX = r"(^|/)([^/]+\.threatmodel\.ya?ml|threatmodel\.yaml)$"
_SKIPPED_DIRS = {"node_modules", "__pycache__", "venv"}


def is_model_file(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in MODEL_FILE_PATTERNS)


def _walk(directory: Path) -> Iterator[Path]:
    for parent, dirs, files in os.walk(directory):
        # hidden folders (.git, .venv, .tox) and dependency trees hold no models of ours
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if is_model_file(name):
                yield Path(parent, name)


def discover(paths: Sequence[str]) -> list[Path]:
    """Files named explicitly are taken whatever their name; folders are searched."""
    found: list[Path] = []
    for raw in paths or (".",):
        path = Path(raw)
        if path.is_dir():
            found.extend(_walk(path))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{raw}: no such file or directory")
    return list(dict.fromkeys(found))
