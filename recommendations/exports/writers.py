"""Writers of the recommendation pack: DOCX (python-docx), PDF (fpdf2), Markdown and JSON.

Each takes a ``Pack`` and a binary file object. The same content in every format; "Commercial in
confidence" on every page when the pack includes confidential evidence.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from .pack import Pack, PackComponent

FORMATS = {"docx", "pdf", "md", "json"}
TABLE_REFERENCES = 12  # references shown in a PDF table cell; the rest are counted


def _refs(numbers: list[int], limit: int | None = None) -> str:
    """ " [1][2][3]": numbered references into the annex. With ``limit``, the rest are counted, so a
    table cell stays short enough to fit on a page (a baseline may rest on hundreds of responses)."""
    if not numbers:
        return ""
    shown = numbers if limit is None else numbers[:limit]
    more = len(numbers) - len(shown)
    return " " + "".join(f"[{n}]" for n in shown) + (f" and {more} more" if more else "")


# --- Markdown ----------------------------------------------------------------------------------------------


def _component_lines(component: PackComponent) -> list[str]:
    lines = [f"## {component.name}", "", component.description, ""]
    lines += [
        "### Evidence base",
        "",
        f"{component.submissions} reviewed responses from {component.organisations} organisations. "
        f"Confidence: **{component.confidence}** – {component.confidence_reason}",
        "",
        "Strength of evidence: " + ", ".join(f"{g}: {n}" for g, n in component.grades.items()) + ".",
        "",
        "By organisation type: " + "; ".join(f"{k} {v}" for k, v in component.by_organisation_type.items()),
        "",
        "By nation and region: " + "; ".join(f"{k} {v}" for k, v in component.by_region.items()),
        "",
    ]
    if component.message:
        lines += [f"_{component.message}_", ""]
    if component.themes:
        lines += ["### Themes", ""]
        for theme in component.themes:
            lines.append(f"- **{theme.label}** ({theme.counts})")
            lines += [f"  - “{q.text}”{_refs(q.references)}" for q in theme.quotes]
        lines.append("")
    for rec in component.recommendations:
        lines += [
            f"### Recommendation {rec.number}: {rec.title}",
            "",
            rec.status_line,
            "",
            f"**Objective.** {rec.objective}",
            "",
            "**Rationale**",
            "",
        ]
        lines += [f"{n}. {s.text}{_refs(s.references)}" for n, s in enumerate(rec.rationale, start=1)]
        lines += ["", "**Dissenting evidence**", ""]
        lines += [f"- {s.text}{_refs(s.references)}" for s in rec.dissent] or ["- None found."]
        lines += [
            "",
            "**Success criteria**",
            "",
            "| Indicator | Baseline | Target | Deadline | Owner | Data source | Frequency |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in rec.criteria:
            cells = [
                c.indicator,
                c.baseline + _refs(c.baseline_references),
                c.target,
                c.deadline,
                c.owner,
                c.data_source,
                c.frequency,
            ]
            lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
        lines.append("")
    if component.confidential_evidence:
        lines += ["### Commercially confidential evidence (Commercial in confidence)", ""]
        lines += [f"- {s.text}{_refs(s.references)}" for s in component.confidential_evidence]
        lines.append("")
    return lines


def write_markdown(pack: Pack, out: BinaryIO) -> None:
    lines = []
    if pack.confidential:
        lines += [f"**{pack.marking.upper()}**", ""]
    lines += [f"# {pack.title}", "", f"Compilation run {pack.run}, generated {pack.generated_at}.", ""]
    lines += ["## Contents", ""] + [f"{n}. {c.name}" for n, c in enumerate(pack.components, start=1)] + [""]
    for component in pack.components:
        lines += _component_lines(component)
    lines += ["## Annex: evidence cited", ""]
    lines += [
        f"[{r.number}] {r.reference} – {r.organisation} ({r.organisation_type}, {r.region}; {r.confidentiality})"
        for r in pack.references
    ]
    if pack.confidential:
        lines += ["", f"**{pack.marking.upper()}**"]
    out.write(("\n".join(lines) + "\n").encode())


# --- JSON ----------------------------------------------------------------------------------------------------


def write_json(pack: Pack, out: BinaryIO) -> None:
    out.write(json.dumps(pack.to_json(), ensure_ascii=False, indent=2).encode())


# --- DOCX ----------------------------------------------------------------------------------------------------


def write_docx(pack: Pack, out: BinaryIO) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    if pack.confidential:
        for section in document.sections:
            section.header.paragraphs[0].text = pack.marking.upper()
            section.footer.paragraphs[0].text = pack.marking.upper()
    # Title page.
    document.add_heading(pack.title, level=0)
    document.add_paragraph("Medicines Manufacturing Industry Partnership").runs[0].bold = True
    document.add_paragraph(f"Compilation run {pack.run}, generated {pack.generated_at}.")
    document.add_paragraph(
        f"{len(pack.components)} ecosystem components, "
        f"{sum(len(c.recommendations) for c in pack.components)} recommendations, "
        f"{len(pack.references)} responses cited (listed in the annex)."
    )
    if pack.approved_only:
        document.add_paragraph("This pack contains approved recommendations only.")
    else:
        document.add_paragraph("This pack contains draft recommendations for the partnership leads to review.")
    if pack.confidential:
        document.add_paragraph(f"{pack.marking.upper()}: this pack includes commercially confidential evidence.").runs[
            0
        ].bold = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Contents", level=1)
    for n, component in enumerate(pack.components, start=1):
        document.add_paragraph(f"{n}. {component.name}", style="List Number")
    document.add_paragraph("Annex: evidence cited", style="List Number")
    for component in pack.components:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(component.name, level=1)
        document.add_paragraph(component.description)
        document.add_heading("Evidence base", level=2)
        document.add_paragraph(
            f"{component.submissions} reviewed responses from {component.organisations} organisations. "
            f"Confidence in the evidence: {component.confidence} – {component.confidence_reason}"
        )
        document.add_paragraph("Strength of evidence: " + ", ".join(f"{g}: {n}" for g, n in component.grades.items()))
        if component.by_organisation_type:
            table = document.add_table(rows=1, cols=2)
            table.style = "Light Grid Accent 1"
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Organisation type", "Organisations"
            for name, count in component.by_organisation_type.items():
                row = table.add_row().cells
                row[0].text, row[1].text = name, str(count)
        if component.by_region:
            document.add_paragraph(
                "By nation and region: " + "; ".join(f"{k} {v}" for k, v in component.by_region.items()) + "."
            )
        if component.message:
            document.add_paragraph().add_run(component.message).italic = True
        if component.themes:
            document.add_heading("Themes", level=2)
            for theme in component.themes:
                document.add_paragraph(f"{theme.label} ({theme.counts})", style="List Bullet")
                for quote in theme.quotes:
                    document.add_paragraph(f"“{quote.text}”{_refs(quote.references)}", style="Quote")
        for rec in component.recommendations:
            document.add_heading(f"Recommendation {rec.number}: {rec.title}", level=2)
            document.add_paragraph(rec.status_line)
            p = document.add_paragraph()
            p.add_run("Objective. ").bold = True
            p.add_run(rec.objective)
            document.add_heading("Rationale", level=3)
            for statement in rec.rationale:
                document.add_paragraph(statement.text + _refs(statement.references), style="List Number")
            document.add_heading("Dissenting evidence", level=3)
            for statement in rec.dissent or []:
                document.add_paragraph(statement.text + _refs(statement.references), style="List Bullet")
            if not rec.dissent:
                document.add_paragraph("None found in the reviewed evidence.")
            document.add_heading("Success criteria", level=3)
            headers = ["Indicator", "Baseline", "Target", "Deadline", "Owner", "Data source", "Frequency"]
            table = document.add_table(rows=1, cols=len(headers))
            table.style = "Light Grid Accent 1"
            for cell, text in zip(table.rows[0].cells, headers, strict=True):
                cell.text = text
            for c in rec.criteria:
                cells = table.add_row().cells
                values = [
                    c.indicator,
                    c.baseline + _refs(c.baseline_references),
                    c.target,
                    c.deadline,
                    c.owner,
                    c.data_source,
                    c.frequency,
                ]
                for cell, text in zip(cells, values, strict=True):
                    cell.text = text
        if component.confidential_evidence:
            document.add_heading("Commercially confidential evidence (Commercial in confidence)", level=2)
            for statement in component.confidential_evidence:
                document.add_paragraph(statement.text + _refs(statement.references), style="List Bullet")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Annex: evidence cited", level=1)
    for ref in pack.references:
        document.add_paragraph(
            f"[{ref.number}] {ref.reference} – {ref.organisation} ({ref.organisation_type}, {ref.region}; "
            f"{ref.confidentiality})"
        )
    document.save(out)


# --- PDF -------------------------------------------------------------------------------------------------------


def _pdf_fonts() -> dict[str, str]:
    """Source Sans Pro (SIL Open Font License) from its PyPI package: a Unicode TrueType font that installs
    with pip, so the PDF prints "£", curly quotes and dashes on any machine, with no system fonts."""
    import font_source_sans_pro as fonts

    files = fonts.font_files_ttf
    return {"": files["SourceSansPro"], "B": files["SourceSansProBold"], "I": files["SourceSansProIt"]}


def write_pdf(pack: Pack, out: BinaryIO) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace, TextStyle
    from fpdf.outline import TableOfContents

    family = "SourceSans"
    marking = pack.marking.upper()

    class PackPDF(FPDF):
        def header(self):
            if pack.confidential:
                self.set_font(family, "B", 9)
                self.cell(0, 6, text=marking, align="C", new_x="LMARGIN", new_y="NEXT")
                self.ln(2)

        def footer(self):
            self.set_y(-12)
            self.set_font(family, "", 8)
            mark = f"{marking} · " if pack.confidential else ""
            self.cell(0, 6, text=f"{mark}Page {self.page_no()}", align="C")

    pdf = PackPDF(format="A4")
    for style, path in _pdf_fonts().items():
        pdf.add_font(family, style, path)
    pdf.set_title(pack.title)
    pdf.set_author("Medicines Manufacturing Industry Partnership")
    pdf.set_auto_page_break(auto=True, margin=18)

    def heading(text: str, size: int, level: int | None = None) -> None:
        if level is not None:
            pdf.start_section(text, level=level)
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, size * 0.55, text=text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text: str, size: int = 10, style: str = "", indent: float = 0) -> None:
        pdf.set_font(family, style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, size * 0.5, text=text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    # Title page.
    pdf.add_page()
    pdf.ln(50)
    heading(pack.title, 22)
    para("Medicines Manufacturing Industry Partnership", 13)
    para(f"Compilation run {pack.run}, generated {pack.generated_at}.")
    para(
        f"{len(pack.components)} ecosystem components, "
        f"{sum(len(c.recommendations) for c in pack.components)} recommendations, "
        f"{len(pack.references)} responses cited (listed in the annex)."
    )
    if pack.approved_only:
        para("This pack contains approved recommendations only.")
    else:
        para("This pack contains draft recommendations for the partnership leads to review.")
    if pack.confidential:
        para(f"{marking}: this pack includes commercially confidential evidence.", 12, "B")
    # Contents: filled in once the sections' pages are known.
    pdf.add_page()
    toc = TableOfContents()
    toc.text_style = TextStyle(font_family=family, font_size_pt=11)
    heading("Contents", 16)
    pdf.insert_toc_placeholder(toc.render_toc, allow_extra_pages=True)

    for number, component in enumerate(pack.components, start=1):
        pdf.add_page()
        heading(f"{number}. {component.name}", 16, level=0)
        para(component.description, style="I")
        heading("Evidence base", 12)
        para(
            f"{component.submissions} reviewed responses from {component.organisations} organisations. "
            f"Confidence in the evidence: {component.confidence} – {component.confidence_reason}"
        )
        para("Strength of evidence: " + ", ".join(f"{g}: {n}" for g, n in component.grades.items()))
        if component.by_organisation_type:
            para("By organisation type: " + "; ".join(f"{k} {v}" for k, v in component.by_organisation_type.items()))
        if component.by_region:
            para("By nation and region: " + "; ".join(f"{k} {v}" for k, v in component.by_region.items()))
        if component.message:
            para(component.message, style="I")
        if component.themes:
            heading("Themes", 12)
            for theme in component.themes:
                para(f"• {theme.label} ({theme.counts})", style="B")
                for quote in theme.quotes:
                    para(f"“{quote.text}”{_refs(quote.references)}", 9, indent=6)
        for rec in component.recommendations:
            heading(f"Recommendation {rec.number}: {rec.title}", 12, level=1)
            para(f"{rec.status_line}.")
            para(f"Objective: {rec.objective}")
            para("Rationale", style="B")
            for n, statement in enumerate(rec.rationale, start=1):
                para(f"{n}. {statement.text}{_refs(statement.references)}", 9, indent=4)
            para("Dissenting evidence", style="B")
            for statement in rec.dissent:
                para(f"• {statement.text}{_refs(statement.references)}", 9, indent=4)
            if not rec.dissent:
                para("None found in the reviewed evidence.", 9, indent=4)
            if rec.criteria:
                para("Success criteria", style="B")
                pdf.set_font(family, "", 7.5)
                headings = ("Indicator", "Baseline", "Target", "Deadline", "Owner", "Data source", "Frequency")
                with pdf.table(
                    col_widths=(22, 30, 14, 11, 11, 18, 11),
                    headings_style=FontFace(family=family, emphasis="BOLD"),
                    line_height=3.6,
                    text_align="LEFT",
                ) as table:
                    table.row(headings)
                    for c in rec.criteria:
                        table.row(
                            (
                                c.indicator,
                                c.baseline + _refs(c.baseline_references, limit=TABLE_REFERENCES),
                                c.target,
                                c.deadline,
                                c.owner,
                                c.data_source,
                                c.frequency,
                            )
                        )
                pdf.ln(2)
        if component.confidential_evidence:
            heading(f"Commercially confidential evidence ({pack.marking})", 12)
            for statement in component.confidential_evidence:
                para(f"• {statement.text}{_refs(statement.references)}", 9, indent=4)
    pdf.add_page()
    heading("Annex: evidence cited", 14, level=0)
    for ref in pack.references:
        para(
            f"[{ref.number}] {ref.reference} – {ref.organisation} ({ref.organisation_type}, {ref.region}; "
            f"{ref.confidentiality})",
            9,
        )
    out.write(bytes(pdf.output()))


WRITERS = {"docx": write_docx, "pdf": write_pdf, "md": write_markdown, "json": write_json}
