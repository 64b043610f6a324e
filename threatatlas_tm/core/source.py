"""Read a model file's bytes and refuse what is not UTF-8 text, with the exact position."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from threatatlas_tm.core.problems import FILE_START, Problem, Span

MAX_BYTES = 32 * 1024 * 1024

_FOREIGN_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


class InputError(Exception):
    """A path that cannot be read at all (missing, a directory, no permission)."""


@dataclass(frozen=True)
class SourceText:
    file: str  # the path as the user named it, used in every message
    data: bytes  # valid UTF-8, ready for the YAML parser


def read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}") from error


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML (and libyaml) count as line breaks


def position_of(data: bytes, offset: int) -> Span:
    """1-based line and column, in characters as libyaml counts them, of a byte offset."""
    before = data[:offset].decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = _LINE_BREAK.split(before)
    return Span.point(len(lines), len(lines[-1]) + 1)


def check_text(file: str, data: bytes, verify_utf8: bool = True) -> tuple[SourceText | None, Problem | None]:
    """verify_utf8=False skips decoding the whole file: libyaml rejects bad UTF-8 anyway, and
    the caller re-checks with it on before explaining a failure."""
    if len(data) > MAX_BYTES:
        return None, Problem(file, FILE_START, "file-too-large",
                             f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                             "split the product into smaller models or remove generated content")
    for bom, name in _FOREIGN_BOMS:
        if data.startswith(bom):
            return None, Problem(file, FILE_START, "encoding", f"the file is encoded as {name}",
                                 "save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, Problem(file, position_of(data, nul), "binary-file",
                             "the file contains NUL bytes: it is binary, not YAML text",
                             "point threatatlas-tm at the .threatmodel.yaml file, not a binary")
    try:
        if verify_utf8:
            data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, Problem(file, position_of(data, error.start), "encoding",
                             f"byte 0x{data[error.start]:02x} is not valid UTF-8",
                             "save the file as UTF-8 (it looks like Latin-1 or Windows-1252)")
    return SourceText(file, data), None
