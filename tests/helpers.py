"""Shared by the test modules: run the core on text and pick problems apart."""

from __future__ import annotations

from threatatlas_tm.core.validate import FileReport, check_bytes


def check_text(text: str, file: str = "model.yaml") -> FileReport:
    return check_bytes(file, text.encode("utf-8"))


def positions(report: FileReport) -> list[tuple[str, int, int]]:
    return [(p.rule, p.span.line, p.span.column) for p in report.problems]


def make_model(threats: list[dict[str, object]], mitigations: list[dict[str, object]] | None = None,
               elements: tuple[str, ...] = ("web", "db", "api")) -> "ThreatModel":
    """A schema-valid model from plain threat and mitigation dicts (JSON is YAML)."""
    import json

    document = {
        "threatatlas": 1,
        "product": {"id": 1, "name": "Payments API"},
        "diagrams": [{"id": "main", "name": "Main",
                      "elements": [{"id": e, "type": "process", "name": e} for e in elements]}],
        "threats": [{"title": f"threat {t['id']}", **t} for t in threats],
        "mitigations": [{"title": f"mitigation {m['id']}", **m} for m in mitigations or []],
    }
    report = check_text(json.dumps(document, indent=1))
    assert report.model is not None and not report.errors, report.problems
    return report.model


from threatatlas_tm.core.model import ThreatModel  # noqa: E402
