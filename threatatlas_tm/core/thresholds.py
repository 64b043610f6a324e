"""Where the gate's thresholds come from, and their exact parsing rules.

Each threshold is taken from the first source that sets it: command-line flags, then
`--thresholds` (the guide's query string, as pasted into a CI variable), then the model's
`gate:` section, then `threatatlas.yaml` in the repository root, then the endpoint's default.
Values parse as the hosted API parses its query: pydantic's boolean words, and a ratio that
must be a finite number in [0, 1] (the hosted API accepts nan and 2.5; we refuse them).
"""

from __future__ import annotations

import datetime
import math
import os
from pathlib import Path
from typing import Any, NamedTuple

from threatatlas_tm.core.model import GateSettings
from threatatlas_tm.core.posture import Thresholds

PARAMETERS = ("fail_on_critical", "fail_on_unmitigated_high", "min_mitigation_ratio")
_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}
CONFIG_FILE = "threatatlas.yaml"


class ThresholdError(ValueError):
    """A threshold value or query string that cannot be used (a usage error)."""


def parse_bool(name: str, text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ThresholdError(f"{name} must be a boolean (true/false, 1/0, yes/no, on/off, t/f, y/n), not {text!r}")


def parse_ratio(name: str, value: str | float) -> float:
    try:
        ratio = float(value)
    except ValueError:
        raise ThresholdError(f"{name} must be a number between 0 and 1, not {value!r}") from None
    if not math.isfinite(ratio) or not 0.0 <= ratio <= 1.0:
        raise ThresholdError(f"{name} must be a finite number between 0 and 1, not {value!r}")
    return ratio + 0.0  # -0.0 becomes 0.0


def parse_query(text: str) -> dict[str, Any]:
    """The security-status query string, e.g. "fail_on_critical=true&min_mitigation_ratio=0.7"."""
    from urllib.parse import parse_qsl  # only when --thresholds is given

    values: dict[str, Any] = {}
    # as lenient as the hosted API: empty pieces ('a=1&&b=1', a trailing '&') are ignored
    for name, value in parse_qsl(text.strip().lstrip("?"), keep_blank_values=True):
        if name not in PARAMETERS:
            raise ThresholdError(f"--thresholds: unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
        values[name] = parse_ratio(name, value) if name == "min_mitigation_ratio" else parse_bool(name, value)
    return values


def _settings(settings: GateSettings | None) -> dict[str, Any]:
    if settings is None:
        return {}
    return {name: getattr(settings, name) for name in PARAMETERS if getattr(settings, name) is not None}


class ResolvedThresholds(NamedTuple):
    thresholds: Thresholds
    sources: tuple[tuple[str, str], ...]  # (parameter, where its value came from)


def resolve(flags: dict[str, Any], query: dict[str, Any], model_gate: GateSettings | None, model_file: str,
            config: GateSettings | None, config_file: str) -> ResolvedThresholds:
    layers = [
        ("command line", {k: v for k, v in flags.items() if v is not None}),
        ("--thresholds", query),
        (f"gate: in {model_file}", _settings(model_gate)),
        (config_file, _settings(config)),
    ]
    values: dict[str, Any] = {}
    sources = []
    for name in PARAMETERS:
        source = next((label for label, layer in layers if name in layer), "default")
        values[name] = next((layer[name] for _, layer in layers if name in layer), None)
        sources.append((name, source))
    return ResolvedThresholds(
        Thresholds(bool(values["fail_on_critical"]), bool(values["fail_on_unmitigated_high"]),
                   values["min_mitigation_ratio"]),
        tuple(sources),
    )


def repository_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding .git; `start` itself outside a repository."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def generated_at(explicit: str | None) -> str:
    """`datetime.now(timezone.utc).isoformat()` as the hosted API, unless fixed for reproducible
    output by --generated-at (ISO 8601) or SOURCE_DATE_EPOCH (seconds since 1970, UTC)."""
    if explicit:
        try:
            moment = datetime.datetime.fromisoformat(explicit)
        except ValueError:
            raise ThresholdError(f"--generated-at must be an ISO 8601 time such as 2026-12-03T15:58:06+00:00, "
                                 f"not {explicit!r}") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise ThresholdError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}")
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).isoformat()
    return datetime.datetime.now(datetime.timezone.utc).isoformat()
