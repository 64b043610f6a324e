"""The models of a folder, kept current: files are re-checked when they change, and a file
that turns invalid keeps its last good model in service while /health reports it."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatatlas_tm.core.discover import discover
from threatatlas_tm.core.model import ThreatModel
from threatatlas_tm.core.problems import Problem
from threatatlas_tm.core.validate import check_file


@dataclass
class FileState:
    path: Path
    stamp: tuple[int, int]  # (mtime_ns, size) when last read
    model: ThreatModel | None  # the last good model, if the file ever had one
    problems: tuple[Problem, ...] = ()  # problems of the current content
    version: int = 0  # unique across the store for each model loaded: cache keys use it


@dataclass
class Snapshot:
    products: dict[int, FileState] = field(default_factory=dict)
    files: dict[Path, FileState] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # "product id N: a.yaml and b.yaml"
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


class ModelStore:
    def __init__(self, folder: Path, interval: float = 1.0) -> None:
        self.folder = folder
        self.interval = interval
        self._lock = threading.Lock()
        self._checked = 0.0
        self._generations = itertools.count(1)
        self.snapshot = Snapshot()
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> Snapshot:
        """Re-read changed files at most once per interval; cheap (a stat per file) otherwise."""
        now = time.monotonic()
        if not force and now - self._checked < self.interval:
            return self.snapshot
        with self._lock:
            if force or now - self._checked >= self.interval:
                self.snapshot = self._scan(self.snapshot)
                self._checked = time.monotonic()
        return self.snapshot

    def _scan(self, previous: Snapshot) -> Snapshot:
        files: dict[Path, FileState] = {}
        found = discover([str(self.folder)])
        for path in found.files:
            stamp = _stamp(path)
            old = previous.files.get(path)
            if old is not None and old.stamp == stamp:
                files[path] = old
                continue
            report = check_file(path)
            model = report.model  # None unless the file is valid
            if model is not None:
                files[path] = FileState(path, stamp or (0, 0), model, report.problems, next(self._generations))
            else:  # keep serving the last good version
                files[path] = FileState(path, stamp or (0, 0), old.model if old else None, report.problems,
                                        old.version if old else 0)
        snapshot = _index(files, previous)
        snapshot.unreadable = found.unreadable
        return snapshot


def _index(files: dict[Path, FileState], previous: Snapshot) -> Snapshot:
    """Product id → file. A file that already served a product keeps it: a newcomer claiming
    the same id is a conflict, reported, never a takeover."""
    snapshot = Snapshot(files=files)
    incumbents = {pid: state.path for pid, state in previous.products.items()}

    def order(state: FileState) -> tuple[int, str]:
        held = state.model is not None and incumbents.get(state.model.product.id) == state.path
        return (0 if held else 1, str(state.path))

    for state in sorted(files.values(), key=order):
        if state.model is None:
            continue
        product_id = state.model.product.id
        if product_id in snapshot.products:
            snapshot.conflicts.append(f"product id {product_id} is defined by both {snapshot.products[product_id].path} "
                                      f"and {state.path}")
            continue
        snapshot.products[product_id] = state
    return snapshot


def health(snapshot: Snapshot, details: bool) -> dict[str, Any]:
    broken = [s for s in snapshot.files.values() if any(p.level.value == "error" for p in s.problems)]
    document: dict[str, Any] = {
        "status": "degraded" if broken or snapshot.conflicts or snapshot.unreadable else "ok",
        "models_loaded": len(snapshot.products),
        "files": len(snapshot.files) + len(snapshot.unreadable),
        "files_in_error": len(broken) + len(snapshot.unreadable),
    }
    if details:
        document["errors"] = [
            {"file": str(s.path), "serving_last_good": s.model is not None,
             "problems": [f"{p.file}:{p.span.line}:{p.span.column}: {p.level}[{p.rule}] {p.message}" for p in s.problems]}
            for s in broken
        ] + [{"file": str(path), "serving_last_good": False, "problems": [f"{path}:1:1: error[unreadable] {reason}"]}
             for path, reason in snapshot.unreadable]
        document["conflicts"] = snapshot.conflicts
    return document
