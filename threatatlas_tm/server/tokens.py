"""API tokens: `ta_` + 32 random bytes (the hosted format), stored only as SHA-256 digests,
each with a name, the products it may see and an optional expiry."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from threatatlas_tm.errors import UsageProblem

PREFIX = "ta_"


class TokenFileError(UsageProblem):
    """The tokens file cannot be used (a start-up error, exit 2)."""


@dataclass(frozen=True)
class Token:
    name: str
    digest: str  # sha256 hex of the raw token
    products: frozenset[int] | None  # None: every product
    expires: datetime.date | None = None

    def may_see(self, product_id: int) -> bool:
        return self.products is None or product_id in self.products

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and today > self.expires


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _token(entry: Any, where: str) -> Token:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("sha256"), str):
        raise TokenFileError(f"{where}: each token needs a name and a sha256")
    if len(entry["sha256"]) != 64 or any(c not in "0123456789abcdef" for c in entry["sha256"]):
        raise TokenFileError(f"{where}: sha256 of {entry['name']!r} is not a 64-digit lower-case hex digest")
    products = entry.get("products", "all")
    if products != "all" and not (isinstance(products, list) and products and all(type(p) is int for p in products)):
        raise TokenFileError(f"{where}: products of {entry['name']!r} must be 'all' or a list of product ids")
    expires = entry.get("expires")
    try:
        expiry = None if expires is None else datetime.date.fromisoformat(str(expires))
    except ValueError:
        raise TokenFileError(f"{where}: expires of {entry['name']!r} must be a date YYYY-MM-DD") from None
    return Token(entry["name"], entry["sha256"], None if products == "all" else frozenset(products), expiry)


def load_tokens(path: Path) -> list[Token]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TokenFileError(f"{path}: cannot read the tokens file: {error}") from error
    entries = data.get("tokens", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise TokenFileError(f"{path}: expected a mapping with a 'tokens' list")
    return [_token(entry, str(path)) for entry in entries]


def find(tokens: Sequence[Token], raw: str) -> Token | None:
    """Constant-time: every stored digest is compared, whichever matches."""
    presented = digest(raw)
    found = None
    for token in tokens:
        if hmac.compare_digest(presented, token.digest):
            found = token
    return found


def add_token(path: Path, name: str, products: Sequence[int] | None, expires: datetime.date | None) -> str:
    """Append a new token to the file (created 0600) and return the raw token, shown once."""
    tokens = load_tokens(path) if path.exists() else []
    if any(t.name == name for t in tokens):
        raise TokenFileError(f"{path}: a token named {name!r} already exists")
    raw = new_token()
    entry: dict[str, Any] = {"name": name, "sha256": digest(raw),
                             "products": "all" if products is None else sorted(set(products))}
    if expires:
        entry["expires"] = expires.isoformat()
    existing = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    document = existing if isinstance(existing, dict) else {}
    document.setdefault("tokens", []).append(entry)
    text = "# threatatlas-tm API tokens: only SHA-256 digests are stored.\n" + yaml.safe_dump(document, sort_keys=False)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return raw
