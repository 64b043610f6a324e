"""The DOCX report, built from the Markdown report by walking mistune's syntax tree, so both
formats always say the same thing. Imported only when a DOCX is made.

python-docx supplies the package, its template's styles, numbering and core properties.
Paragraphs, runs and table rows are written as WordprocessingML elements directly: python-docx's
own add_paragraph rescans the whole body per call and its run and cell helpers cost a
parse or an XPath query each (a minute for 10,000 threats, against seconds this way). It also
has no hyperlinks, numbered lists that restart, or repeating header rows
(python-openxml/python-docx#25, #1042); those are written here too. Saving stamps the wall
clock on every zip member, so the package is repacked with fixed times: the same model and
time give the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import mistune
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from lxml.etree import SubElement  # type: ignore[import-untyped]  # lxml has no inline types

from threatatlas_tm.core.posture import StatusResult
from threatatlas_tm.core.report import Report, build_report
from threatatlas_tm.render.report_md import render_report
from threatatlas_tm.render.xmltext import xml_safe

# ThreatAtlas's own report colours
SEVERITY_COLOURS = {"critical": "B91C1C", "high": "C2410C", "medium": "B45309", "low": "377F3B"}
TABLE_STYLE = "Light Grid Accent 1"
MONOSPACE = "Consolas"
LINK_COLOUR = "0563C1"
_LINK_SCHEMES = ("https://", "http://", "mailto:")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # what Word itself writes
_PARSE = mistune.create_markdown(renderer=None, plugins=["table"])
Token = dict[str, Any]
Element = Any  # an lxml element of the document
_W = {name: qn(f"w:{name}") for name in (
    "p", "pPr", "pStyle", "jc", "numPr", "ilvl", "numId", "r", "rPr", "rFonts", "b", "i", "color", "sz", "u", "t",
    "br", "tr", "trPr", "tblHeader", "tc", "hyperlink", "val", "ascii", "hAnsi", "cs")}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Style:
    """Formatting carried down the inline tree."""

    __slots__ = ("bold", "italic", "colour", "mono")

    def __init__(self, bold: bool = False, italic: bool = False, colour: str | None = None, mono: bool = False):
        self.bold, self.italic, self.colour, self.mono = bold, italic, colour, mono

    def but(self, **changes: Any) -> _Style:
        values = {name: getattr(self, name) for name in self.__slots__}
        return _Style(**{**values, **changes})


PLAIN = _Style()


def _run(p: Element, text: str, style: _Style) -> Element:
    r = SubElement(p, _W["r"])
    if style.bold or style.italic or style.colour or style.mono:
        props = SubElement(r, _W["rPr"])  # children in schema order: rFonts, b, i, color, sz
        if style.mono:
            fonts = SubElement(props, _W["rFonts"])
            for attribute in ("ascii", "hAnsi", "cs"):
                fonts.set(_W[attribute], MONOSPACE)
        if style.bold:
            SubElement(props, _W["b"])
        if style.italic:
            SubElement(props, _W["i"])
        if style.colour:
            SubElement(props, _W["color"]).set(_W["val"], style.colour)
        if style.mono:
            SubElement(props, _W["sz"]).set(_W["val"], "18")
    t = SubElement(r, _W["t"])
    text = xml_safe(text)
    t.text = text
    if text != text.strip():
        t.set(_XML_SPACE, "preserve")
    return r


class _Writer:
    def __init__(self) -> None:
        self.doc = Document()
        self.part = self.doc.part
        self._sect_pr = self.doc.element.body.sectPr
        self._style_ids: dict[str, str] = {}
        self._abstract_number: str | None = None

    def style_id(self, name: str) -> str:
        if name not in self._style_ids:
            self._style_ids[name] = self.doc.styles[name].style_id
        return self._style_ids[name]

    def paragraph(self, style: str | None = None, text: str = "", container: Element | None = None) -> Element:
        """A paragraph at the end of the body (before the section properties) or in a cell."""
        if container is None:
            p = self._sect_pr.makeelement(_W["p"], {})
            self._sect_pr.addprevious(p)
        else:
            p = SubElement(container, _W["p"])
        if style:
            SubElement(SubElement(p, _W["pPr"]), _W["pStyle"]).set(_W["val"], self.style_id(style))
        if text:
            _run(p, text, PLAIN)
        return p

    # blocks ---------------------------------------------------------------------------
    def blocks(self, tokens: Sequence[Token], style: str | None = None) -> None:
        for token in tokens:
            getattr(self, "block_" + token["type"], self.block_unknown)(token, style)

    def block_unknown(self, token: Token, style: str | None) -> None:
        text = token.get("raw") or _plain_all(token.get("children", []))
        if text.strip():
            self.paragraph(style, text)

    def block_blank_line(self, token: Token, style: str | None) -> None:
        pass

    def block_heading(self, token: Token, style: str | None) -> None:
        level = min(token["attrs"]["level"] - 1, 9)  # '#' is the report title: Word's Title style
        self.inline(self.paragraph("Title" if level == 0 else f"Heading {level}"), token["children"])

    def block_paragraph(self, token: Token, style: str | None) -> None:
        self.inline(self.paragraph(style), token["children"])

    block_block_text = block_paragraph

    def block_block_html(self, token: Token, style: str | None) -> None:
        self.paragraph(style, token["raw"].rstrip("\n"))  # shown as text, never interpreted

    def block_thematic_break(self, token: Token, style: str | None) -> None:
        p = self.paragraph(None, "⁂")
        p.insert(0, p.makeelement(_W["pPr"], {}))
        SubElement(p[0], _W["jc"]).set(_W["val"], "center")

    def block_block_quote(self, token: Token, style: str | None) -> None:
        self.blocks(token["children"], "Quote")

    def block_block_code(self, token: Token, style: str | None) -> None:
        if (token.get("attrs") or {}).get("info", "").strip() == "mermaid":
            _run(self.paragraph(), "The diagram itself renders in the Markdown report; its elements and data flows "
                                   "are listed below.", PLAIN.but(italic=True))
            return
        p = self.paragraph(style)
        for index, line in enumerate(token["raw"].rstrip("\n").split("\n")):
            if index:
                SubElement(SubElement(p, _W["r"]), _W["br"])
            _run(p, line, PLAIN.but(mono=True))

    def block_list(self, token: Token, style: str | None, level: int = 0) -> None:
        ordered = token["attrs"]["ordered"]
        base = "List Number" if ordered else "List Bullet"
        list_style = base if level == 0 else f"{base} {min(level + 1, 3)}"
        num_id = self._restart_numbering() if ordered else None
        for item in token["children"]:
            for child in item["children"]:
                if child["type"] == "list":
                    self.block_list(child, style, level + 1)
                elif child["type"] in ("block_text", "paragraph"):
                    p = self.paragraph(list_style)
                    if num_id is not None:
                        num_pr = SubElement(p[0], _W["numPr"])
                        SubElement(num_pr, _W["ilvl"]).set(_W["val"], str(min(level, 8)))  # Word has 9 levels
                        SubElement(num_pr, _W["numId"]).set(_W["val"], str(num_id))
                    self.inline(p, child["children"])
                else:
                    self.blocks([child], style)

    def block_table(self, token: Token, style: str | None) -> None:
        head = next(c for c in token["children"] if c["type"] == "table_head")
        body: Token = next((c for c in token["children"] if c["type"] == "table_body"), {"children": []})
        header = [_plain_all(cell["children"]) for cell in head["children"]]
        table = self.doc.add_table(rows=1, cols=len(header), style=TABLE_STYLE)
        tbl = table._tbl
        header_row = tbl.tr_lst[0]
        for tc, source in zip(header_row.tc_lst, head["children"]):
            self.inline(tc.find(_W["p"]), source["children"], PLAIN.but(bold=True))
        SubElement(header_row.get_or_add_trPr(), _W["tblHeader"]).set(_W["val"], "true")  # repeats on each page
        severity_column = header.index("Severity") if "Severity" in header else None
        for row in body["children"]:
            tr = SubElement(tbl, _W["tr"])
            for index, source in enumerate(row["children"]):
                colour = SEVERITY_COLOURS.get(_plain_all(source["children"])) if index == severity_column else None
                cell_style = PLAIN.but(colour=colour, bold=True) if colour else PLAIN
                self.inline(self.paragraph(container=SubElement(tr, _W["tc"])), source["children"], cell_style)
        self.paragraph()

    # inline ---------------------------------------------------------------------------
    def inline(self, p: Element, tokens: Sequence[Token], style: _Style = PLAIN) -> None:
        for token in tokens:
            kind = token["type"]
            if kind in ("text", "inline_html", "block_html"):
                _run(p, token["raw"], style)
            elif kind == "strong":
                self.inline(p, token["children"], style.but(bold=True))
            elif kind == "emphasis":
                self.inline(p, token["children"], style.but(italic=True))
            elif kind == "codespan":
                _run(p, token["raw"], style.but(mono=True))
            elif kind == "link" and token["attrs"]["url"].lower().startswith(_LINK_SCHEMES):
                self.hyperlink(p, token["attrs"]["url"], _plain_all(token["children"]))
            elif kind == "link":  # javascript:, file://… stay text: a click must not run or fetch anything
                _run(p, _plain_all(token["children"]), style)
            elif kind == "softbreak":
                _run(p, " ", style)
            elif kind == "linebreak":
                SubElement(SubElement(p, _W["r"]), _W["br"])
            else:
                _run(p, _plain(token), style)

    def hyperlink(self, p: Element, url: str, text: str) -> None:
        link = SubElement(p, _W["hyperlink"])
        link.set(qn("r:id"), self.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
        run = _run(link, text, PLAIN.but(colour=LINK_COLOUR))
        SubElement(run[0], _W["u"]).set(_W["val"], "single")

    # numbering ------------------------------------------------------------------------
    def _restart_numbering(self) -> int:
        """A fresh w:num on the List Number definition, starting at 1: each list counts anew."""
        numbering = self.part.numbering_part.element
        if self._abstract_number is None:
            style_num = self.doc.styles["List Number"].element.pPr.numPr.numId.val
            num = next(n for n in numbering.num_lst if n.numId == style_num)
            self._abstract_number = num.abstractNumId.val
        num = numbering.add_num(self._abstract_number)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return int(num.numId)


def _plain(token: Token) -> str:
    if "raw" in token:
        return str(token["raw"])
    if token["type"] == "softbreak":
        return " "
    return _plain_all(token.get("children", []))


def _plain_all(tokens: Sequence[Token]) -> str:
    return "".join(_plain(t) for t in tokens)


def _set_properties(document: Any, report: Report, moment: datetime.datetime) -> None:
    product = report.model.product
    props = document.core_properties
    props.title = f"Threat Model Report — {product.name}"
    props.subject = f"Threat model of {product.name} (product {product.id})"
    props.author = product.owner.name if product.owner else "threatatlas-tm"
    props.last_modified_by = "threatatlas-tm"
    props.keywords = "threat model; ThreatAtlas"
    props.comments = ""
    props.category = "Security"
    props.revision = 1
    props.created = props.modified = moment.replace(tzinfo=None)  # core properties are UTC


def _repack(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def render_docx(report: Report) -> bytes:
    writer = _Writer()
    tokens = _PARSE(render_report(report))
    writer.blocks(tokens if isinstance(tokens, list) else [])
    moment = datetime.datetime.fromisoformat(report.generated_at).astimezone(datetime.timezone.utc)
    _set_properties(writer.doc, report, moment)
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return _repack(buffer.getvalue())


render_bytes = render_docx


def render(results: Sequence[StatusResult], color: bool = False) -> bytes:
    if len(results) != 1:
        raise ValueError("a DOCX report holds one product")
    return render_docx(build_report(results[0]))
