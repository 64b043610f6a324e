"""Regressions from the second review: server caches and headers, dashboard escaping, token
scope, non-finite thresholds, hostile descriptions, XML-unsafe text, spans."""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mistune
import pytest
from conftest import EXAMPLE, MINIMAL, CliResult
from docx import Document
from test_server import _call

from threatatlas_tm.server.app import Config, create_app

Run = Callable[..., CliResult]
PARSE = mistune.create_markdown(renderer=None, plugins=["table"])
SECTIONS = ["Security gate", "Summary", "Risk matrix", "Data-flow diagrams", "Threats", "Mitigations",
            "Accepted risks", "How the numbers are computed"]


def _serve(folder: Path) -> Any:
    return create_app(Config(folder, None, interval=0.0))


def test_a_replaced_file_is_never_answered_from_the_old_cache(tmp_path: Path) -> None:
    model = tmp_path / "p.threatmodel.yaml"
    model.write_bytes(EXAMPLE.read_bytes())
    app = _serve(tmp_path)
    assert json.loads(_call(app, "/api/products/1/security-status", None, "fail_on_critical=true")[2])["pass"] is True
    model.unlink()
    assert _call(app, "/api/products/1", None)[0].startswith("404")
    model.write_text("threatatlas: 1\nproduct: {id: 1, name: New}\nthreats: [{id: T, title: t, likelihood: 5, impact: 5}]\n")
    os.utime(model, (time.time() + 5, time.time() + 5))
    document = json.loads(_call(app, "/api/products/1/security-status", None, "fail_on_critical=true")[2])
    assert (document["summary"]["total_threats"], document["pass"]) == (1, False)


def test_an_incumbent_keeps_its_product_id(tmp_path: Path) -> None:
    (tmp_path / "z.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    app = _serve(tmp_path)
    (tmp_path / "a.threatmodel.yaml").write_text("threatatlas: 1\nproduct: {id: 1, name: Impostor}\n")
    assert json.loads(_call(app, "/api/products/1", None)[2])["name"] == "Payments API"
    health = json.loads(_call(app, "/health", None)[2])
    assert health["status"] == "degraded" and "product id 1 is defined by both" in health["conflicts"][0]


def test_unreadable_files_degrade_health(tmp_path: Path) -> None:
    (tmp_path / "p.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "gone.threatmodel.yaml").symlink_to(tmp_path / "nowhere")
    health = json.loads(_call(_serve(tmp_path), "/health", None)[2])
    assert (health["status"], health["files_in_error"]) == ("degraded", 1)


def test_dashboard_escapes_query_names(tmp_path: Path) -> None:
    body = _call(_serve(EXAMPLE.parent), "/", None, "%3Cscript%3Ealert(1)%3C/script%3E=1")[2].decode()
    assert "<script>" not in body and "Payments API" in body


def test_odd_authorization_headers_are_401(tmp_path: Path) -> None:
    from threatatlas_tm.server.tokens import add_token

    tokens = tmp_path / "t.yaml"
    add_token(tokens, "ci", None, None)
    app = create_app(Config(EXAMPLE.parent, tokens))
    for header in ("Basic \xe9", "Basic !!!", "Bearer \xe9t\xe9", "Digest x"):
        environ_token = header
        status = _call_with_header(app, "/api/products/1", environ_token)
        assert status.startswith("401"), header
        assert _call_with_header(app, "/health", environ_token).startswith("200")


def _call_with_header(app: Any, path: str, header: str) -> str:
    from wsgiref.util import setup_testing_defaults

    environ: dict[str, Any] = {"SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", "HTTP_AUTHORIZATION": header}
    setup_testing_defaults(environ)
    seen: list[str] = []
    b"".join(app(environ, lambda status, headers: seen.append(status)))
    return seen[0]


def test_warning_header_survives_any_file_name(tmp_path: Path) -> None:
    model = tmp_path / "☃ \"x\".threatmodel.yaml"
    model.write_bytes(EXAMPLE.read_bytes())
    app = _serve(tmp_path)
    model.write_text(EXAMPLE.read_text().replace("likelihood: 3\n    impact: 5", "likelihood: 9\n    impact: 5", 1))
    os.utime(model, (time.time() + 5, time.time() + 5))
    status, headers, body = _call(app, "/api/products/1/security-status", None)
    assert status.startswith("200") and json.loads(body)["product_id"] == 1
    assert dict(headers)["Warning"].encode("latin-1")


def test_token_with_an_empty_product_list_is_refused(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("token", "create", "--name", "x", "--products", " , ", "--tokens", str(tmp_path / "t.yaml"))
    assert result.code == 2 and "lists no product id" in result.err and not (tmp_path / "t.yaml").exists()


@pytest.mark.parametrize("fmt", ["json", "text", "junit", "sarif"])
def test_non_finite_gate_ratio_is_an_invalid_model(run_cli: Run, tmp_path: Path, fmt: str) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(MINIMAL + "gate: {min_mitigation_ratio: .nan}\n")
    result = run_cli("status", str(model), "--format", fmt)
    assert result.code == 2 and "error[non-finite-number]" in result.err


def test_thresholds_query_is_lenient_like_the_hosted_api(run_cli: Run) -> None:
    result = run_cli("status", str(EXAMPLE), "--thresholds", "fail_on_critical=true&&min_mitigation_ratio=-0&")
    assert result.code == 0 and json.loads(result.out)["thresholds"]["min_mitigation_ratio"] == 0.0


def test_verdict_line_cannot_start_a_workflow_command(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(MINIMAL.replace("name: Shop", 'name: "Evil\\n::error file=x::injected"'))
    result = run_cli("status", str(model))
    assert not any(line.startswith("::") for line in result.err.splitlines())


HOSTILE_DESCRIPTIONS = [
    "~~~\nunclosed tilde fence\n",
    "```x`\n<iframe src=//evil></iframe>\n```\n",
    "``<img src=x onerror=alert(1)> `\n",
    "Security gate\n=============\n",
    "> # quoted heading\n",
    "<div>\n<script>alert(1)</script>\n</div>\n",
    "1. a\n" + "".join("   " * i + "1. nested\n" for i in range(1, 12)),
]


@pytest.mark.parametrize("description", HOSTILE_DESCRIPTIONS)
def test_a_description_cannot_restructure_the_report(run_cli: Run, tmp_path: Path, description: str) -> None:
    text = MINIMAL.replace("    title: Injection\n", "    title: Injection\n    description: " + json.dumps(description) + "\n")
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(text)
    out = tmp_path / "r.md"
    assert run_cli("report", str(model), "-o", str(out)).code == 0
    tokens = PARSE(out.read_text())
    assert isinstance(tokens, list)
    headings = [("".join(c.get("raw", "") for c in t["children"])) for t in tokens
                if t["type"] == "heading" and t["attrs"]["level"] == 2]
    assert headings == SECTIONS
    stack = list(tokens)
    while stack:
        token = stack.pop()
        assert token["type"] not in ("block_html", "inline_html"), token
        stack.extend(token.get("children", []))
    docx = tmp_path / "r.docx"
    assert run_cli("report", str(model), "-f", "docx", "-o", str(docx)).code == 0
    assert len(Document(str(docx)).tables) >= 5


def test_control_characters_and_link_schemes_in_xml_formats(run_cli: Run, tmp_path: Path) -> None:
    text = MINIMAL.replace("title: Injection", 'title: "bell \\x01 here"').replace(
        "    element: web\n    likelihood", '    description: "[js](javascript:alert(1)) [f](file://///host/x) '
        '[ok](https://example.com)"\n    element: web\n    likelihood', 1)
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(text)
    docx = tmp_path / "r.docx"
    assert run_cli("report", str(model), "-f", "docx", "-o", str(docx)).code == 0
    targets = [rel.target_ref for rel in Document(str(docx)).part.rels.values() if rel.is_external]
    assert targets == ["https://example.com"]
    junit = run_cli("status", str(model), "--fail-on-unmitigated-high", "--format", "junit")
    ET.fromstring(junit.out)


def test_sarif_region_ends_on_the_threats_last_line(run_cli: Run) -> None:
    log = json.loads(run_cli("status", str(EXAMPLE), "--fail-on-unmitigated-high", "--format", "sarif").out)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["endLine"]) == (76, 87)  # T-001: from '- id:' to its references line


def test_a_model_with_loader_errors_is_never_judged(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(MINIMAL.replace("status: identified", "status: identified\n    status: mitigated"))
    result = run_cli("status", str(model))
    assert result.code == 2 and "error[duplicate-key]" in result.err and result.out == ""


def test_a_broken_tokens_file_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    tokens = tmp_path / "t.yaml"
    tokens.write_text("- just a list\n")
    result = run_cli("serve", str(EXAMPLE.parent), "--tokens", str(tokens), "--port", "0")
    assert result.code == 2 and "expected a mapping with a 'tokens' list" in result.err
