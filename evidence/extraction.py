"""Text extraction from attached evidence, for search and excerpts (run by a Celery task).

Every reader meets a damaged or hostile file with an ``ExtractionError`` whose message reviewers can read;
the attachment is then marked failed, once, instead of the task crashing and being retried for ever. Only
transient trouble (the disk, the database: ``OSError``, ``DatabaseError``) and the task's time limit
propagate, for the task to retry or give up.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError

from .models import Attachment

log = logging.getLogger(__name__)

# Enough for search and quoting; a 500-page PDF's full text would only bloat every query.
MAX_TEXT_CHARS = 1_000_000
# Beyond these the file is read in part (the text cap is reached long before on real evidence).
MAX_PDF_PAGES = 2_000
MAX_SHEET_ROWS = 200_000
# DOCX and XLSX are ZIP packages: refuse one that would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
# Plain-text readers look at no more than this many bytes (UTF-8 may take 4 bytes a character).
MAX_TEXT_BYTES = MAX_TEXT_CHARS * 4

PASS_THROUGH = (OSError, DatabaseError, SoftTimeLimitExceeded)


class ExtractionError(Exception):
    """The file could not be read; the message is shown to reviewers."""


class _Collector:
    """Joins text parts and stops accepting them once the cap is reached."""

    def __init__(self, limit: int = MAX_TEXT_CHARS):
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, text: str) -> None:
        if text and not self.full:
            self.parts.append(text)
            self.size += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)


def _pdf(fh: BinaryIO) -> str:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(fh)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        # Many PDFs carry an owner password only (no password to open): those decrypt with "".
        raise ExtractionError("The PDF is password-protected, so its text cannot be read.")
    out = _Collector()
    for number, page in enumerate(reader.pages, start=1):
        if out.full or number > MAX_PDF_PAGES:
            break
        out.add((page.extract_text() or "").strip())
    return out.text()


def _check_package(fh: BinaryIO, what: str) -> None:
    try:
        with zipfile.ZipFile(fh) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except zipfile.BadZipFile:
        raise ExtractionError(f"The {what} is damaged: it is not a valid Office (ZIP) package.") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ExtractionError(
            f"The {what} would unpack to {unpacked // (1024 * 1024)} MB, more than the "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB we read; its text was not extracted."
        )
    fh.seek(0)


def _docx(fh: BinaryIO) -> str:
    import docx
    from docx.table import Table

    _check_package(fh, "Word document")
    document = docx.Document(fh)
    out = _Collector()

    def table_text(table: Table) -> None:
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is repeated once per grid column it spans
                    continue
                seen.add(id(cell._tc))
                cells.append(" ".join(p.text for p in cell.paragraphs if p.text.strip()))
                for nested in cell.tables:
                    table_text(nested)
            out.add("\t".join(cells).strip())

    # Paragraphs and tables in document order, so a table stays beside the text that introduces it.
    for block in document.iter_inner_content():
        if out.full:
            break
        if isinstance(block, Table):
            table_text(block)
        else:
            out.add(block.text.strip())
    return out.text()


def _xlsx(fh: BinaryIO) -> str:
    import openpyxl

    _check_package(fh, "spreadsheet")
    workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    out, rows = _Collector(), 0
    try:
        for sheet in workbook.worksheets:
            if out.full or rows >= MAX_SHEET_ROWS:
                break
            out.add(f"# {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                rows += 1
                if out.full or rows >= MAX_SHEET_ROWS:
                    break
                out.add("\t".join("" if v is None else str(v) for v in row).rstrip())
    finally:
        workbook.close()
    return out.text()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in Windows-1252; anything else keeps what it can.
        return data.decode("cp1252", errors="replace")


def _csv(fh: BinaryIO) -> str:
    text = _decode(fh.read(MAX_TEXT_BYTES))
    out = _Collector()
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if out.full:
                break
            out.add("\t".join(cell.strip() for cell in row).rstrip())
    except csv.Error:
        # Not well-formed CSV (a field over the size limit, a stray quote): its words are still searchable.
        return text
    return out.text()


def _txt(fh: BinaryIO) -> str:
    return _decode(fh.read(MAX_TEXT_BYTES))


READERS = {
    Attachment.Kind.PDF: (_pdf, "PDF"),
    Attachment.Kind.DOCX: (_docx, "Word document"),
    Attachment.Kind.XLSX: (_xlsx, "spreadsheet"),
    Attachment.Kind.CSV: (_csv, "CSV file"),
    Attachment.Kind.TXT: (_txt, "text file"),
}


def extract_text(fh: BinaryIO, kind: str) -> str:
    """The text of a file of this kind, at most ``MAX_TEXT_CHARS`` long. Raises ExtractionError."""
    if kind not in READERS:
        raise ExtractionError(f"Files of type {kind!r} are not read.")
    reader, what = READERS[kind]
    try:
        text = reader(fh)
    except (ExtractionError, *PASS_THROUGH):
        raise
    except MemoryError:
        raise ExtractionError(f"The {what} is too large to read.") from None
    except Exception as exc:  # the parsers raise many types (KeyError, ValueError, lxml errors…) on bad files
        log.info("Could not read a %s: %r", what, exc)
        detail = str(exc).strip() or type(exc).__name__
        raise ExtractionError(f"The {what} could not be read; it may be damaged ({detail[:200]}).") from None
    # PostgreSQL text cannot hold NUL characters.
    return text.replace("\x00", "")[:MAX_TEXT_CHARS].strip()


def _record(attachment_id: int, **fields) -> None:
    # Never overwrite a result another delivery of the same task already recorded as done.
    Attachment.objects.filter(pk=attachment_id).exclude(extraction_status=Attachment.Extraction.DONE).update(**fields)


def attachment_extraction_failed(*, attachment_id: int, message: str) -> None:
    """Record that an attachment's text could not be extracted, with a message reviewers can read."""
    _record(attachment_id, extraction_status=Attachment.Extraction.FAILED, extraction_error=message[:500])


def attachment_extract_text(*, attachment_id: int) -> Attachment | None:
    """Extract and store an attachment's text. Idempotent: a done attachment is left as it is.

    Returns the attachment (None when it was deleted meanwhile). A file that cannot be read is marked
    failed with the reason; transient errors propagate for the task to retry.
    """
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.extraction_status == Attachment.Extraction.DONE:
        return attachment
    try:
        with attachment.file.open("rb") as fh:
            text = extract_text(fh, attachment.kind)
    except ExtractionError as exc:
        attachment_extraction_failed(attachment_id=attachment_id, message=str(exc))
    except FileNotFoundError:
        attachment_extraction_failed(attachment_id=attachment_id, message="The stored file is missing.")
    else:
        _record(attachment_id, extracted_text=text, extraction_status=Attachment.Extraction.DONE, extraction_error="")
    attachment.refresh_from_db()
    return attachment
