"""Scores, categories, dates and acceptances: the values the gate and the reports rely on."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from threatatlas_tm.core.model import Path, ThreatModel, severity_for_score
from threatatlas_tm.core.problems import Level
from threatatlas_tm.core.rules import Finding, Rule
from threatatlas_tm.core.rules._ids import closest_hint

CATEGORIES = {
    "STRIDE": ("Spoofing", "Tampering", "Repudiation", "Information Disclosure", "Denial of Service",
               "Elevation of Privilege"),
    "LINDDUN": ("Linkability", "Identifiability", "Non-repudiation", "Detectability", "Disclosure of Information",
                "Unawareness", "Non-compliance"),
}


def severity_mismatch(model: ThreatModel) -> Iterator[Finding]:
    for t in model.threats:
        score = t.risk_score
        if score is not None and t.declared_severity is not None:
            derived = severity_for_score(score)
            if derived != t.declared_severity:
                yield Finding((*t.path, "severity"),
                              f"severity '{t.declared_severity}' disagrees with likelihood {t.likelihood} × impact "
                              f"{t.impact} = {score}, which is '{derived}'",
                              "remove 'severity' (it is derived from the score) or correct likelihood and impact")


def incomplete_score(model: ThreatModel) -> Iterator[Finding]:
    for t in model.threats:
        if (t.likelihood is None) != (t.impact is None):
            given, missing = ("likelihood", "impact") if t.impact is None else ("impact", "likelihood")
            yield Finding((*t.path, given), f"threat '{t.id}' has {given} but no {missing}, so it has no risk score",
                          f"add '{missing}: 1-5'")


def unknown_category(model: ThreatModel) -> Iterator[Finding]:
    for t in model.threats:
        known = CATEGORIES.get(t.framework)
        if known is None or t.category is None or t.category in known:
            continue
        same = [c for c in known if c.lower() == t.category.lower()]
        hint = f"did you mean '{same[0]}'?" if same else closest_hint(t.category, known) or "use one of: " + ", ".join(known)
        yield Finding((*t.path, "category"), f"'{t.category}' is not a {t.framework} category", hint)


def _dates(model: ThreatModel) -> Iterator[tuple[Path, str]]:
    if model.product.last_reviewed:
        yield ("product", "last_reviewed"), model.product.last_reviewed
    for t in model.threats:
        if t.acceptance and t.acceptance.expires:
            yield (*t.path, "acceptance", "expires"), t.acceptance.expires


def invalid_dates(model: ThreatModel) -> Iterator[Finding]:
    for path, text in _dates(model):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            yield Finding(path, f"'{text}' is not a calendar date", "write a real date as YYYY-MM-DD")


def acceptance_mismatch(model: ThreatModel) -> Iterator[Finding]:
    for t in model.threats:
        if t.status == "accepted" and t.acceptance is None:
            yield Finding((*t.path, "status"), f"threat '{t.id}' is accepted without an acceptance record",
                          "add 'acceptance:' with justification, approver and expires")
        elif t.status != "accepted" and t.acceptance is not None:
            yield Finding((*t.path, "acceptance"), f"threat '{t.id}' has an acceptance but its status is '{t.status}'",
                          "set 'status: accepted' or remove the acceptance")


RULES = [
    Rule("severity-mismatch", "model", "An explicit severity that disagrees with likelihood × impact.",
         check=severity_mismatch),
    Rule("incomplete-score", "model", "Likelihood without impact, or impact without likelihood.",
         check=incomplete_score),
    Rule("unknown-category", "model", "A category that is not in the STRIDE or LINDDUN list of its framework.",
         check=unknown_category),
    Rule("invalid-date", "model", "A YYYY-MM-DD value that is not a calendar date, e.g. 2026-02-30.",
         check=invalid_dates),
    Rule("acceptance-mismatch", "model", "An accepted threat without an acceptance record, or an acceptance on a "
         "threat that is not accepted.", level=Level.WARNING, check=acceptance_mismatch),
]
