"""Text extraction from attached evidence, for search and excerpts (run by a Celery task)."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from django.db import transaction

from .models import Attachment

# Enough for search and quoting; a 500-page PDF's full text would only bloat every query.
MAX_TEXT_CHARS = 1_000_000


class ExtractionError(Exception):
    """The file could not be read; the message is shown to reviewers."""


def _pdf(fh: BinaryIO) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(fh)
        if reader.is_encrypted:
            raise ExtractionError("The PDF is password-protected.")
        parts, size = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_TEXT_CHARS:
                break
        return "\n".join(parts)
    except PdfReadError as exc:
        raise ExtractionError(f"The PDF could not be read: {exc}") from None


def _docx(fh: BinaryIO) -> str:
    import docx

    try:
        document = docx.Document(fh)
    except Exception as exc:  # python-docx raises several types for damaged packages
        raise ExtractionError(f"The Word document could not be read: {exc}") from None
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _xlsx(fh: BinaryIO) -> str:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged workbooks
        raise ExtractionError(f"The spreadsheet could not be read: {exc}") from None
    parts, size = [], 0
    try:
        for sheet in workbook.worksheets:
            parts.append(f"# {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                line = "\t".join("" if v is None else str(v) for v in row).rstrip()
                if line:
                    parts.append(line)
                    size += len(line)
                if size > MAX_TEXT_CHARS:
                    return "\n".join(parts)
    finally:
        workbook.close()
    return "\n".join(parts)


def _csv(fh: BinaryIO) -> str:
    text = fh.read(MAX_TEXT_CHARS * 2).decode("utf-8-sig", errors="replace")
    return "\n".join("\t".join(row) for row in csv.reader(io.StringIO(text)))


def _txt(fh: BinaryIO) -> str:
    return fh.read(MAX_TEXT_CHARS * 2).decode("utf-8-sig", errors="replace")


READERS = {
    Attachment.Kind.PDF: _pdf,
    Attachment.Kind.DOCX: _docx,
    Attachment.Kind.XLSX: _xlsx,
    Attachment.Kind.CSV: _csv,
    Attachment.Kind.TXT: _txt,
}


def extract_text(fh: BinaryIO, kind: str) -> str:
    text = READERS[kind](fh)
    return text.replace("\x00", "")[:MAX_TEXT_CHARS].strip()


def attachment_extract_text(*, attachment_id: int) -> Attachment | None:
    """Extract and store an attachment's text. Idempotent: a done attachment is left as it is."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.extraction_status == Attachment.Extraction.DONE:
        return attachment
    try:
        with attachment.file.open("rb") as fh:
            text = extract_text(fh, attachment.kind)
    except ExtractionError as exc:
        Attachment.objects.filter(pk=attachment_id).update(
            extraction_status=Attachment.Extraction.FAILED, extraction_error=str(exc)[:500]
        )
        return attachment
    except FileNotFoundError:
        Attachment.objects.filter(pk=attachment_id).update(
            extraction_status=Attachment.Extraction.FAILED, extraction_error="The stored file is missing."
        )
        return attachment
    with transaction.atomic():
        Attachment.objects.filter(pk=attachment_id).update(
            extracted_text=text, extraction_status=Attachment.Extraction.DONE, extraction_error=""
        )
    attachment.refresh_from_db()
    return attachment
