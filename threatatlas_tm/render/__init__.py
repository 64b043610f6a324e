"""The one registry of output formats. Renderers return str; the CLI writes it.

Renderer modules are imported when used, so `validate` does not pay for SARIF or XML.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, NamedTuple


class OutputFormat(NamedTuple):
    name: str
    summary: str
    module: str  # threatatlas_tm.render.<module> has render(...) -> str


FORMATS: dict[str, dict[str, OutputFormat]] = {
    "validate": {
        "text": OutputFormat("text", "file:line:col: error[rule] message, then a hint (gcc style)", "problems_text"),
        "json": OutputFormat("json", "one JSON document with every file and problem", "problems_json"),
    },
    "status": {
        "json": OutputFormat("json", "the security-status document, byte for byte as the hosted endpoint "
                             "(an array for several products)", "status_json"),
        "text": OutputFormat("text", "verdict, counts, thresholds and their sources, failing threats with "
                             "file:line", "status_text"),
        "github": OutputFormat("github", "GitHub Actions ::error annotations on the failing threats, and the "
                               "guide's table in $GITHUB_STEP_SUMMARY", "status_github"),
        "sarif": OutputFormat("sarif", "SARIF 2.1.0 for GitHub code scanning", "status_sarif"),
        "junit": OutputFormat("junit", "JUnit XML, one test case per gate check and product", "status_junit"),
        "gitlab": OutputFormat("gitlab", "GitLab Code Quality JSON", "status_gitlab"),
    },
    "report": {
        "md": OutputFormat("md", "Markdown, with Mermaid data-flow diagrams (renders on GitHub and GitLab)", "report_md"),
        "docx": OutputFormat("docx", "Word, built from the Markdown; severity colours, repeating table headers",
                             "report_docx"),
    },
}


def format_names(command: str) -> Sequence[str]:
    return tuple(FORMATS[command])


def renderer_module(command: str, name: str) -> Any:
    return importlib.import_module(f"threatatlas_tm.render.{FORMATS[command][name].module}")


def render(command: str, name: str, *args: Any, **kwargs: Any) -> str:
    text: str = renderer_module(command, name).render(*args, **kwargs)
    return text


def report_bytes(report: Any, name: str) -> bytes:
    """A report file's bytes in the named format (md or docx)."""
    data: bytes = renderer_module("report", name).render_bytes(report)
    return data
