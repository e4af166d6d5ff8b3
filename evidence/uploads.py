"""Checks on uploaded evidence files: size, type from content (never the name), zip bombs, file names.

``inspect_upload`` reads the file and returns what the rest of the app stores, or raises a
``ValidationError`` whose message a submitter can act on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from .models import Attachment

CONTENT_TYPES = {
    Attachment.Kind.PDF: "application/pdf",
    Attachment.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Attachment.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Attachment.Kind.CSV: "text/csv",
    Attachment.Kind.TXT: "text/plain",
}
ALLOWED_DESCRIPTION = "PDF, Word (DOCX), Excel (XLSX), CSV or plain text"

# Office files are zip archives: refuse archives that would expand to far more than they weigh.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 5000


@dataclass(frozen=True)
class InspectedUpload:
    kind: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def clean_file_name(name: str) -> str:
    """The submitter's file name without any folders, control characters or leading dots."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:200] or "attachment"


def _read_head(upload: UploadedFile, size: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# The main part each Office package must declare in [Content_Types].xml.
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_MAINS = (
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
)
_BOMB = (
    "The file expands to far more than its size (a compressed archive bomb); it was refused. If it is a "
    "genuine document, save it again without embedded files and upload the new copy."
)


def _guard_against_zip_bomb(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError("The file contains too many parts to be a document we can read.")
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        raise ValidationError(_BOMB)
    # One highly compressed member hidden among ordinary ones is a bomb too.
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size / max(member.compress_size, 1) > MAX_COMPRESSION_RATIO:
            raise ValidationError(_BOMB)


def _office_kind(upload: UploadedFile) -> str:
    """Word or Excel: a zip package holding the right parts and declaring the right main content type."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _guard_against_zip_bomb(members)
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names:
                raise ValidationError(f"The file is a zip archive, not a {ALLOWED_DESCRIPTION} file.")
            with archive.open("[Content_Types].xml") as handle:
                content_types = handle.read(1024 * 1024)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError):
        raise ValidationError(
            "The file looks like an office document but is damaged and cannot be opened. "
            "Open it, save it again and upload the new copy."
        ) from None
    finally:
        upload.seek(0)
    if _DOCX_MAIN in content_types and "word/document.xml" in names:
        return Attachment.Kind.DOCX
    if _XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return Attachment.Kind.XLSX
    if any(main in content_types for main in _MACRO_MAINS):
        raise ValidationError("Office files with macros are not accepted: save it as .docx or .xlsx and upload that.")
    raise ValidationError("Only Word (DOCX) and Excel (XLSX) office files are accepted.")


def _looks_textual(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a character cut in two by the 8 KB boundary
    return True


def _describe_binary(head: bytes) -> str | None:
    """What a binary file we do not accept is, in words, or None when it is not a known binary type."""
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        return "a program"
    if _looks_textual(head):
        return None  # left to the text checks: signature matching on text gives false alarms ("ID3,…")
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.mime in {"application/x-msdownload", "application/x-executable", "application/x-mach-binary"}:
        return "a program"
    return f"a {guess.extension.upper()} file ({guess.mime})"


def _text_kind(upload: UploadedFile, name: str) -> str:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        raise ValidationError(f"The file is not a {ALLOWED_DESCRIPTION} file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"Text and CSV files must be saved as UTF-8 (the byte at position {exc.start} is not UTF-8). "
            "In Excel, choose “CSV UTF-8” when you save."
        ) from None
    if name.lower().endswith(".csv"):
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ValidationError(f"The CSV file could not be read: {exc}.") from None
        if not rows:
            raise ValidationError("The CSV file is empty.")
        return Attachment.Kind.CSV
    if not text.strip():
        raise ValidationError("The text file is empty.")
    return Attachment.Kind.TXT


def inspect_upload(upload: UploadedFile) -> InspectedUpload:
    """Validate an uploaded file and describe it; raise ValidationError with a clear message."""
    name = clean_file_name(upload.name or "")
    limit = settings.MMIP_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(upload.size)}; the largest accepted is {filesizeformat(limit)}."
        )
    head = _read_head(upload)
    if head.startswith(b"%PDF-"):
        kind = Attachment.Kind.PDF
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload)
    elif (binary := _describe_binary(head)) == "a program":
        raise ValidationError(
            f"“{name}” is a program, which cannot be uploaded whatever its name. Accepted: {ALLOWED_DESCRIPTION}."
        )
    elif binary:
        raise ValidationError(f"“{name}” is {binary}, not a {ALLOWED_DESCRIPTION} file.")
    else:
        kind = _text_kind(upload, name)
    # The name's extension follows the content, so a download never opens as something else.
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return InspectedUpload(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=upload.size,
        sha256=_sha256(upload),
        original_name=f"{stem}.{kind}",
    )
