"""The security-status document, byte for byte as the hosted endpoint sends it (FastAPI's
compact JSON, non-ASCII kept), one per product; an array when there are several."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from threatatlas_tm.core.posture import StatusResult


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    documents = [r.document for r in results]
    return dumps(documents[0] if len(documents) == 1 else documents) + "\n"
