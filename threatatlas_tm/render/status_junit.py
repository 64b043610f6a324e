"""JUnit XML: per product a test suite with one test case per gate check (skipped when off)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from threatatlas_tm.core.posture import StatusResult
from threatatlas_tm.render.xmltext import xml_safe


def _suite(result: StatusResult) -> ET.Element:
    doc, posture = result.document, result.posture
    suite = ET.Element("testsuite", name=f"{doc['product_name']} (product {doc['product_id']})",
                       tests=str(len(posture.gates)), failures=str(len(posture.failures)), errors="0",
                       skipped=str(sum(1 for g in posture.gates if not g.enabled)))
    for gate in posture.gates:
        case = ET.SubElement(suite, "testcase", classname=f"threatatlas.product.{doc['product_id']}",
                             name=gate.check.parameter, file=posture.model.file)
        if not gate.enabled:
            ET.SubElement(case, "skipped", message=f"{gate.check.parameter} is not set")
        elif gate.failed:
            failure = ET.SubElement(case, "failure", message=gate.message or "", type=gate.check.id)
            failure.text = "\n".join(f"{posture.model.file}:{t.span.line}: {t.id} [{t.severity}] {t.title}"
                                     for t in gate.threats) or gate.message
    return suite


def render(results: Sequence[StatusResult], color: bool = False) -> str:
    root = ET.Element("testsuites", name="threatatlas-tm security gate",
                      tests=str(sum(len(r.posture.gates) for r in results)),
                      failures=str(sum(len(r.posture.failures) for r in results)))
    root.extend(_suite(r) for r in results)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_safe(ET.tostring(root, encoding="unicode")) + "\n"
