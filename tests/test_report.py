"""Reports: the Markdown against a golden file, the DOCX read back with python-docx."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mistune
import pytest
from conftest import EXAMPLE, MINIMAL, ROOT, CliResult
from docx import Document

from threatatlas_tm.core.report import report_file_name, safe_name

Run = Callable[..., CliResult]
GUIDE = "fail_on_critical=true&fail_on_unmitigated_high=true&min_mitigation_ratio=0.7"
STAMP = "2026-12-03T15:58:06+00:00"
GOLDEN = Path(__file__).parent / "golden" / "payments-api-report.md"
PARSE = mistune.create_markdown(renderer=None, plugins=["table"])

# A hostile model: Unicode names, Markdown and HTML in user text, a very long description.
HOSTILE = MINIMAL.replace("name: Shop", 'name: "支払い API 💳 | `beta`"').replace(
    "    title: Injection\n",
    '    title: "Pipes | and `ticks` <script>alert(1)</script>\\nand a new line"\n'
    "    description: |\n"
    "      # A heading that must not become a report section\n"
    "      Visit [the runbook](https://example.com/runbook) and <b>bold HTML</b>.\n\n"
    "      1. first\n      2. second\n\n"
    "      Some text.\n\n"
    "      1. again one\n      2. again two\n\n"
    "      ```\n      <kept as code>\n      ```\n\n"
    + "      " + "Long text. " * 2000 + "\n",
)


def write_report(run_cli: Run, model: Path, fmt: str, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / f"report.{fmt}"
    result = run_cli("report", str(model), "--format", fmt, "--output", str(out), "--generated-at", STAMP, *extra)
    assert result.code == 0, result.err
    return out


def test_markdown_matches_the_golden_file(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """To refresh after an intended change: threatatlas-tm report examples/payments-api.threatmodel.yaml
    --thresholds '<GUIDE>' --generated-at <STAMP> -o tests/golden/payments-api-report.md"""
    monkeypatch.chdir(ROOT)
    result = run_cli("report", "examples/payments-api.threatmodel.yaml", "--thresholds", GUIDE, "--generated-at", STAMP,
                     "--output", "-")
    assert result.code == 0
    assert result.out == GOLDEN.read_text(encoding="utf-8")


def test_markdown_content_follows_the_model() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## Security gate", "## Summary", "## Risk matrix", "## Data-flow diagrams", "## Threats",
                        "## Mitigations", "## Accepted risks", "## How the numbers are computed"]
    assert "**FAIL**: 1 failure(s)." in text and "- 3 high/critical threat(s) have no active mitigation" in text
    assert "| Mitigated threats | 19 (79%) |" in text and "| Active mitigations / total | 16 / 21 |" in text
    assert "```mermaid\nflowchart LR\n  subgraph b_internet[\"Internet\"]" in text
    assert "| T-002 | Back-office console | Credential stuffing" in text
    assert "| **4** | · | · | · | 1 | · |" in text  # T-002: likelihood 4, impact 4


def _tables(markdown: str) -> list[dict[str, Any]]:
    return [t for t in PARSE(markdown) if t["type"] == "table"]


def test_user_text_never_breaks_a_table_and_html_stays_text(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(HOSTILE, encoding="utf-8")
    text = write_report(run_cli, model, "md", tmp_path).read_text(encoding="utf-8")
    for table in _tables(text):
        width = len(table["children"][0]["children"])
        rows = next((c for c in table["children"] if c["type"] == "table_body"), {"children": []})["children"]
        assert all(len(row["children"]) == width for row in rows)
    assert "<script>" not in text and "\\<script\\>" in text and "\\<b>bold HTML" in text
    assert "#### A heading that must not become a report section" in text
    assert "<kept as code>" in text  # code blocks are left alone
    assert text.startswith("# Threat Model Report — 支払い API 💳 \\| \\`beta\\`")


def test_empty_sections_say_so(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text("threatatlas: 1\nproduct: {id: 3, name: Empty}\n")
    text = write_report(run_cli, model, "md", tmp_path).read_text()
    for line in ("No data-flow diagrams are modelled.", "No threats are modelled.", "No mitigations are modelled.",
                 "No risks are accepted."):
        assert line in text


def test_expired_acceptances_are_marked(run_cli: Run, tmp_path: Path) -> None:
    text = write_report(run_cli, EXAMPLE, "md", tmp_path, "--generated-at", "2027-02-15T00:00:00+00:00").read_text()
    assert "| T-011 | Concurrent refund requests pay out the same refund twice |" in text
    assert "**2027-01-31 (expired)**" in text and "| 2027-03-31 |" in text


def test_docx_structure(run_cli: Run, tmp_path: Path) -> None:
    path = write_report(run_cli, EXAMPLE, "docx", tmp_path, "--thresholds", GUIDE)
    document = Document(str(path))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Threat Model Report — Payments API")
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Security gate", "Summary", "Risk matrix", "Data-flow diagrams", "Threats", "Mitigations", "Accepted risks",
        "How the numbers are computed"]
    assert ("Heading 2", "T-001 — Forged payment webhooks mark unpaid orders as paid") in headings
    threats = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:3] == ["ID", "Element", "Threat"])
    assert len(threats.rows) == 25
    first = threats.rows[1].cells
    assert [c.text for c in first][:5] == ["T-001", "Payment status webhook",
                                           "Forged payment webhooks mark unpaid orders as paid", "Spoofing", "high"]
    colours = {row.cells[4].text: str(row.cells[4].paragraphs[0].runs[0].font.color.rgb) for row in threats.rows[1:]}
    assert colours == {"high": "C2410C", "medium": "B45309", "low": "377F3B"}
    for table in document.tables:
        assert table.style.name == "Light Grid Accent 1"
        assert table.rows[0]._tr.trPr.xml.count("w:tblHeader") == 1  # the header row repeats on each page
    flows = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:3] == ["Name", "From", "To"])
    assert [c.text for c in flows.rows[1].cells] == ["Checkout (HTTPS)", "Customer browser", "API gateway", "https",
                                                     "yes", "yes"]
    properties = document.core_properties
    assert properties.title == "Threat Model Report — Payments API" and properties.author == "Jane Doe"
    moment = datetime.datetime(2026, 12, 3, 15, 58, 6, tzinfo=datetime.timezone.utc)
    assert properties.created == moment == properties.modified
    assert "mermaid" not in "\n".join(p.text for p in document.paragraphs)


def test_docx_keeps_description_formatting(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "m.threatmodel.yaml"
    model.write_text(HOSTILE, encoding="utf-8")
    document = Document(str(write_report(run_cli, model, "docx", tmp_path)))
    body = document.element.body.xml
    texts = [p.text for p in document.paragraphs]
    assert any("<b>bold HTML" in t for t in texts)  # raw HTML shown as text
    assert any("<kept as code>" in t for t in texts)
    assert 'w:hyperlink r:id="' in body and "the runbook" in body
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["first", "second", "again one", "again two"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert num_ids[0] == num_ids[1] != num_ids[2] == num_ids[3]  # the second list restarts at 1
    numbering = document.part.numbering_part.element.xml
    assert numbering.count("w:startOverride") >= 2
    assert document.core_properties.title == "Threat Model Report — 支払い API 💳 | `beta`"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reports_are_byte_reproducible_across_processes(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("threatatlas-tm")
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}.docx"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1764777486"}
        subprocess.run([str(script), "report", str(EXAMPLE), "-f", "docx", "-o", str(out)], env=env, check=True,
                       capture_output=True)
        digests.add(_sha(out))
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zipfile.ZipFile(out).infolist())
    assert len(digests) == 1


def test_default_file_name_follows_the_hosted_rule(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert safe_name("Payments API") == "Payments_API"
    assert safe_name("支払い API 💳 | beta") == "支払い_API_____beta"
    assert safe_name("¡!") == "product" and report_file_name("a/b", "docx") == "a_b-report.docx"
    monkeypatch.chdir(tmp_path)
    assert run_cli("report", str(EXAMPLE)).code == 0
    assert (tmp_path / "Payments_API-report.md").exists()


def test_report_refuses_invalid_or_several_models(run_cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.threatmodel.yaml"
    bad.write_text(MINIMAL.replace("likelihood: 3", "likelihood: 0"))
    result = run_cli("report", str(bad))
    assert result.code == 2 and f"{bad}:18:5: error[out-of-range]" in result.err
    (tmp_path / "bad.threatmodel.yaml").unlink()
    (tmp_path / "a.threatmodel.yaml").write_text(MINIMAL)
    (tmp_path / "b.threatmodel.yaml").write_bytes(EXAMPLE.read_bytes())
    several = run_cli("report", str(tmp_path))
    assert several.code == 2 and "a report covers one product; found 2" in several.err


def test_status_and_validate_never_import_python_docx() -> None:
    code = ("import sys; from threatatlas_tm.cli import main; "
            f"main(['status', {str(EXAMPLE)!r}]); main(['validate', {str(EXAMPLE)!r}]); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('docx', 'mistune', 'lxml'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice is not installed (a few hundred MB; not installed by .ci/run)")
def test_libreoffice_opens_the_docx(run_cli: Run, tmp_path: Path) -> None:
    path = write_report(run_cli, EXAMPLE, "docx", tmp_path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
