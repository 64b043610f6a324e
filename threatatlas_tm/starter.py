"""`init`: the starter model, filled in and written without clobbering anything."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from threatatlas_tm.errors import UsageProblem


def schema_url() -> str:
    from threatatlas_tm.core.schema import load_schema

    return str(load_schema()["$id"])


def starter_text(name: str, product_id: int, schema_ref: str | None, today: datetime.date) -> str:
    template = (Path(__file__).parent / "templates" / "starter.threatmodel.yaml").read_text("utf-8")
    values = {
        "@SCHEMA_REF@": schema_ref or schema_url(),
        "@PRODUCT_ID@": str(product_id),
        "@PRODUCT_NAME@": json.dumps(name, ensure_ascii=False),  # a JSON string is a valid YAML scalar
        "@TODAY@": today.isoformat(),
    }
    for token, value in values.items():
        template = template.replace(token, value)
    return template


def write_starter(path: str, *, name: str, product_id: int, schema_ref: str | None, overwrite: bool) -> Path:
    target = Path(path)
    if target.is_dir():
        target = target / "threatmodel.yaml"
    if target.exists() and not overwrite:
        raise UsageProblem(f"{target} already exists; pass --force to overwrite it")
    text = starter_text(name, product_id, schema_ref, _today())
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageProblem(f"{target}: cannot write: {error.strerror or error}") from error
    return target


def _today() -> datetime.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()
