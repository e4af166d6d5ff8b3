"""Writers of the recommendation pack: DOCX (python-docx), PDF (fpdf2) and Markdown render the one
document model laid out in ``document.py``; JSON writes the pack's data as it is.

Each takes a ``Pack`` and a binary file object. The same content in every format; "Commercial in
confidence" on every page when the pack includes confidential evidence.
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO

from .document import (
    Cell,
    Contents,
    Document,
    Heading,
    ItemList,
    PageBreak,
    Paragraph,
    Style,
    Table,
    pack_document,
)
from .pack import Pack

FORMATS = {"docx", "pdf", "md", "json"}
TABLE_REFERENCES = 12  # references shown in a PDF table cell; the rest are counted


def _refs(numbers, limit: int | None = None) -> str:
    """ " [1][2][3]": numbered references into the annex. With ``limit``, the rest are counted, so a
    table cell stays short enough to fit on a page (a baseline may rest on hundreds of responses)."""
    if not numbers:
        return ""
    shown = numbers if limit is None else numbers[:limit]
    more = len(numbers) - len(shown)
    return " " + "".join(f"[{n}]" for n in shown) + (f" and {more} more" if more else "")


def _cell(cell: Cell, limit: int | None = None) -> str:
    return cell.text + _refs(cell.references, limit)


# --- Markdown ----------------------------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"([\\`*_\[\]!|#])")
# "[12]", a numbered reference into the annex, is kept as it is: with every "[", "]" and ":" around it escaped
# elsewhere, no link definition can exist to turn it into a link.
_MD_REFERENCE = re.compile(r"(\[\d+\])(?![(:\[])")


def md(text: object) -> str:
    """Text as inert Markdown (much of a pack is what users wrote): one line (no new block can start inside
    it), HTML escaped, and the characters that make links, images, code and emphasis escaped. Whoever renders
    the pack sees the words, never a ``javascript:`` link, a remote image or raw HTML."""
    flat = " ".join(str(text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parts = _MD_REFERENCE.split(flat)
    return "".join(part if n % 2 else _MD_ESCAPE.sub(r"\\\1", part) for n, part in enumerate(parts))


def _md_paragraph(p: Paragraph) -> str:
    parts = []
    for span in p.spans:
        text = md(span.text) + (" " if span.text.endswith((" ", "\n")) and span.text.strip() else "")
        if span.bold or p.style == Style.STRONG:
            text = f"**{text.strip()}**" + (" " if text.endswith(" ") else "")
        elif span.italic or p.style == Style.NOTE:
            text = f"_{text.strip()}_" + (" " if text.endswith(" ") else "")
        parts.append(text)
    text = "".join(parts) + _refs(p.references)
    return f"> {text}" if p.style == Style.QUOTE else text


def render_markdown(doc: Document, out: BinaryIO) -> None:
    lines: list[str] = [f"**{doc.marking}**", ""] if doc.marking else []
    for block in doc.blocks:
        match block:
            case Heading(text=text, level=level):
                lines += ["#" * (level + 1) + " " + md(text), ""]
            case Paragraph():
                lines += [_md_paragraph(block), ""]
            case ItemList(items=items, numbered=numbered, empty=empty):
                if not items:
                    lines += [f"- {md(empty)}", ""] if empty else []
                    continue
                lines += [(f"{n}. " if numbered else "- ") + _md_paragraph(p) for n, p in enumerate(items, 1)]
                lines.append("")
            case Table(headers=headers, rows=rows):
                lines.append("| " + " | ".join(md(h) for h in headers) + " |")
                lines.append("|" + "---|" * len(headers))
                lines += ["| " + " | ".join(md(c.text) + _refs(c.references) for c in row) + " |" for row in rows]
                lines.append("")
            case Contents(entries=entries):
                lines += [f"- {md(entry)}" for entry in entries] + [""]
            case PageBreak():
                pass
    if doc.marking:
        lines += [f"**{doc.marking}**"]
    out.write(("\n".join(lines).rstrip("\n") + "\n").encode())


def write_markdown(pack: Pack, out: BinaryIO) -> None:
    render_markdown(pack_document(pack), out)


# --- JSON ----------------------------------------------------------------------------------------------------


def write_json(pack: Pack, out: BinaryIO) -> None:
    out.write(json.dumps(pack.to_json(), ensure_ascii=False, indent=2).encode())


# --- DOCX ----------------------------------------------------------------------------------------------------


def render_docx(doc: Document, out: BinaryIO) -> None:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.author = doc.author
    if doc.marking:
        for section in document.sections:
            section.header.paragraphs[0].text = doc.marking
            section.footer.paragraphs[0].text = doc.marking

    def paragraph(p: Paragraph, style: str | None = None) -> None:
        if style is None and p.style == Style.QUOTE:
            style = "Quote"
        para = document.add_paragraph(style=style)
        for span in p.spans:
            run = para.add_run(span.text)
            run.bold = span.bold or p.style == Style.STRONG or None
            run.italic = span.italic or p.style == Style.NOTE or None
            if p.style == Style.SMALL:
                run.font.size = Pt(9)
        if p.references:
            para.add_run(_refs(p.references))

    for block in doc.blocks:
        match block:
            case Heading(text=text, level=level):
                document.add_heading(text, level=level)
            case Paragraph():
                paragraph(block)
            case ItemList(items=items, numbered=numbered, empty=empty):
                for p in items:
                    paragraph(p, "List Number" if numbered else "List Bullet")
                if not items and empty:
                    document.add_paragraph(empty)
            case Table(headers=headers, rows=rows):
                table = document.add_table(rows=1, cols=len(headers))
                table.style = "Light Grid Accent 1"
                for cell, text in zip(table.rows[0].cells, headers, strict=True):
                    cell.text = text
                for row in rows:
                    for cell, value in zip(table.add_row().cells, row, strict=True):
                        cell.text = _cell(value)
            case Contents(entries=entries):
                for entry in entries:
                    document.add_paragraph(entry, style="List Bullet")
            case PageBreak():
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.save(out)


def write_docx(pack: Pack, out: BinaryIO) -> None:
    render_docx(pack_document(pack), out)


# --- PDF -------------------------------------------------------------------------------------------------------


def _pdf_fonts() -> dict[str, str]:
    """Source Sans Pro (SIL Open Font License) from its PyPI package: a Unicode TrueType font that installs
    with pip, so the PDF prints "£", curly quotes and dashes on any machine, with no system fonts."""
    import font_source_sans_pro as fonts

    files = fonts.font_files_ttf
    return {"": files["SourceSansPro"], "B": files["SourceSansProBold"], "I": files["SourceSansProIt"]}


HEADING_SIZES = {0: 22, 1: 16, 2: 12, 3: 10}
TEXT_SIZES = {Style.BODY: 10, Style.NOTE: 10, Style.QUOTE: 9, Style.SMALL: 9, Style.STRONG: 12}


def render_pdf(doc: Document, out: BinaryIO) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace, TextStyle
    from fpdf.outline import TableOfContents

    family = "SourceSans"

    class PackPDF(FPDF):
        def header(self):
            if doc.marking:
                self.set_font(family, "B", 9)
                self.cell(0, 6, text=doc.marking, align="C", new_x="LMARGIN", new_y="NEXT")
                self.ln(2)

        def footer(self):
            self.set_y(-12)
            self.set_font(family, "", 8)
            mark = f"{doc.marking} · " if doc.marking else ""
            self.cell(0, 6, text=f"{mark}Page {self.page_no()}", align="C")

    pdf = PackPDF(format="A4")
    for style, path in _pdf_fonts().items():
        pdf.add_font(family, style, path)
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_auto_page_break(auto=True, margin=18)
    margin = pdf.l_margin
    # A page break is written only when something is on the current page: the table of contents breaks the
    # page itself, and an extra break after it would leave a blank page.
    fresh = True

    def paragraph(p: Paragraph, indent: float = 0, prefix: str = "") -> None:
        size = TEXT_SIZES[p.style] - (1 if indent else 0)
        indent = indent or (6 if p.style == Style.QUOTE else 0)
        pdf.set_left_margin(margin + indent)
        pdf.set_x(margin + indent)
        spans = list(p.spans)
        if prefix:
            spans.insert(0, type(spans[0])(prefix))
        for span in spans:
            bold = span.bold or p.style == Style.STRONG
            italic = span.italic or p.style == Style.NOTE
            pdf.set_font(family, ("B" if bold else "") + ("I" if italic and not bold else ""), size)
            pdf.write(size * 0.5, span.text)
        if p.references:
            pdf.set_font(family, "", size)
            pdf.write(size * 0.5, _refs(p.references))
        pdf.ln(size * 0.5 + 1)
        pdf.set_left_margin(margin)

    for block in doc.blocks:
        if isinstance(block, PageBreak):
            if not fresh:
                pdf.add_page()
                fresh = True
            continue
        if pdf.page == 0:
            pdf.add_page()
        match block:
            case Heading(text=text, level=level, outline=outline):
                if level == 0 and fresh:
                    pdf.ln(50)  # the title page
                elif not fresh and pdf.will_page_break(30):
                    pdf.add_page()  # a heading is never left alone at the foot of a page
                if outline:
                    pdf.start_section(text, level=level - 1)
                size = HEADING_SIZES[level]
                pdf.set_font(family, "B", size)
                pdf.multi_cell(0, size * 0.55, text=text, align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            case Paragraph():
                paragraph(block)
            case ItemList(items=items, numbered=numbered, empty=empty):
                for n, p in enumerate(items, start=1):
                    paragraph(p, indent=4, prefix=f"{n}. " if numbered else "• ")
                if not items and empty:
                    paragraph(Paragraph.of(empty), indent=4)
            case Table(headers=headers, rows=rows, widths=widths):
                pdf.set_font(family, "", 7.5 if len(headers) > 3 else 9)
                with pdf.table(
                    col_widths=widths,
                    headings_style=FontFace(family=family, emphasis="BOLD"),
                    line_height=3.6 if len(headers) > 3 else 4.5,
                    text_align="LEFT",
                ) as table:
                    table.row(headers)
                    for row in rows:
                        table.row(tuple(_cell(c, TABLE_REFERENCES) for c in row))
                pdf.ln(2)
            case Contents():
                toc = TableOfContents()
                toc.text_style = TextStyle(font_family=family, font_size_pt=11)
                pdf.insert_toc_placeholder(toc.render_toc, allow_extra_pages=True)
                fresh = True
                continue
        fresh = False
    out.write(bytes(pdf.output()))


def write_pdf(pack: Pack, out: BinaryIO) -> None:
    render_pdf(pack_document(pack), out)


WRITERS = {"docx": write_docx, "pdf": write_pdf, "md": write_markdown, "json": write_json}
