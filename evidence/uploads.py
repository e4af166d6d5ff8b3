"""Checks on uploaded evidence files: size, type from the content (never the name), and a SHA-256.

The type is decided from the bytes: PDF by its magic number, Word and Excel as ZIP packages that hold the
right Office Open XML parts (with a guard against ZIP bombs), CSV and plain text as UTF-8 without NUL
bytes. The submitter's file name only has to agree with what the content turned out to be.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from .models import Attachment

Kind = Attachment.Kind

CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.CSV: "text/csv",
    Kind.TXT: "text/plain",
}
# The file-name endings each kind may carry.
EXTENSIONS = {
    Kind.PDF: {".pdf"},
    Kind.DOCX: {".docx"},
    Kind.XLSX: {".xlsx"},
    Kind.CSV: {".csv"},
    Kind.TXT: {".txt", ".text"},
}
ACCEPTED = "PDF, Word (.docx), Excel (.xlsx), CSV or plain text (.txt)"

# Office main-part content types, as declared in [Content_Types].xml.
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

# ZIP-bomb guard: a package may not expand beyond this in total, nor any large member by more than the ratio.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 5000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def clean_file_name(name: str) -> str:
    """The submitter's file name, for display only: no folders, no control characters, bounded length."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "file"
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name


def inspect_upload(upload: UploadedFile) -> CheckedUpload:
    """Validate an uploaded file and describe it, or raise ValidationError saying what is wrong."""
    limit = settings.MMIP_UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The selected file is empty.", code="empty")
    if size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; the limit is {filesizeformat(limit)}. "
            "Split it or compress the images in it.",
            code="too_large",
        )
    name = clean_file_name(upload.name)
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)

    kind = _detect_kind(upload, head, name)
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS[kind]:
        raise ValidationError(
            f"The file is named “{name}” but its content is {Kind(kind).label}. "
            f"Save it with the right ending ({', '.join(sorted(EXTENSIONS[kind]))}) and upload it again.",
            code="name_mismatch",
        )
    return CheckedUpload(
        kind=kind, content_type=CONTENT_TYPES[kind], size=size, sha256=sha256_of(upload), original_name=name
    )


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _detect_kind(upload: UploadedFile, head: bytes, name: str) -> str:
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    guess = filetype.guess(head)
    if guess is not None:
        raise ValidationError(
            f"“{name}” is not a {ACCEPTED} file: its content is {_describe(guess)}.", code="wrong_type"
        )
    return _text_kind(upload, name)


def _describe(guess) -> str:
    if guess.mime in {"application/x-msdownload", "application/x-executable", "application/x-elf"}:
        return "a program (executable)"
    if guess.mime == "application/zip":
        return "a ZIP archive"
    return f"a {guess.extension.upper()} file ({guess.mime})"


def _office_kind(upload: UploadedFile) -> str:
    """Word or Excel: a ZIP package with [Content_Types].xml declaring the right main part."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload.file) as package:
            members = package.infolist()
            _guard_against_zip_bomb(members)
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names:
                raise ValidationError(
                    f"This ZIP file is not a Word or Excel document. Upload a {ACCEPTED} file.",
                    code="wrong_type",
                )
            with package.open("[Content_Types].xml") as handle:
                content_types = handle.read(1024 * 1024)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError):
        raise ValidationError(
            "The file looks like a Word or Excel document but is damaged and cannot be opened. "
            "Open it, save it again and upload the new copy.",
            code="damaged",
        ) from None
    finally:
        upload.seek(0)
    if _DOCX_MAIN in content_types and "word/document.xml" in names:
        return Kind.DOCX
    if _XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return Kind.XLSX
    if _XLSM_MAIN in content_types:
        raise ValidationError(
            "Excel files with macros (.xlsm) are not accepted. "
            "Save the workbook as .xlsx and upload it again.",
            code="wrong_type",
        )
    raise ValidationError(
        f"This Office file is neither a Word document (.docx) nor an Excel workbook (.xlsx). "
        f"Upload a {ACCEPTED} file.",
        code="wrong_type",
    )


def _guard_against_zip_bomb(members: list[zipfile.ZipInfo]) -> None:
    bomb = ValidationError(
        "The document expands to far more data than a real Word or Excel file would, so it was refused. "
        "If it is genuine, save it again without embedded files and upload it again.",
        code="zip_bomb",
    )
    if len(members) > MAX_ZIP_MEMBERS:
        raise bomb
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise bomb
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
            raise bomb


def _text_kind(upload: UploadedFile, name: str) -> str:
    """CSV or plain text: UTF-8 with no NUL bytes. The name's ending tells CSV from text."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        raise ValidationError(
            f"“{name}” is not a {ACCEPTED} file: it contains binary data.", code="wrong_type"
        )
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"“{name}” is not UTF-8 text (the byte at position {exc.start} cannot be read). "
            "Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again.",
            code="encoding",
        ) from None
    return Kind.CSV if name.lower().endswith(".csv") else Kind.TXT
