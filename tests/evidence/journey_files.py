"""Small genuine (and forged) evidence files for the upload tests."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import docx
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(text: str = "Capital investment fell by 12% in 2022.") -> bytes:
    pdf = FPDF()
    # A fixed creation date: the same text gives the same bytes, even across a second's tick.
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def docx_bytes(text: str = "We employ 400 people in Macclesfield.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["year", "jobs"])
    sheet.append([2023, 400])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def exe_bytes() -> bytes:
    # The start of a Windows PE executable: "MZ" header, DOS stub, and the PE signature at 0x80.
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header += b"\x00" * (0x3C - len(header)) + (0x80).to_bytes(4, "little")
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
    return bytes(header)


def zip_bomb_bytes() -> bytes:
    """A package with Word's parts, one of which inflates 200 MB of zeros: a classic bomb."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr("word/document.xml", "<w:document/>")
        with package.open("word/media/filler.bin", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(210):
                member.write(chunk)
    return buffer.getvalue()


def macro_workbook_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>',
        )
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return buffer.getvalue()


def hidden_bomb_bytes() -> bytes:
    """A genuine document plus one small member that inflates to 20 MB: the total ratio looks harmless
    only because ordinary, incompressible parts pad it out."""
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/padding.bin", random.Random(1).randbytes(400 * 1024), zipfile.ZIP_STORED)
        package.writestr("word/media/filler.bin", b"\x00" * (20 * 1024 * 1024))
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("notes.txt", "hello")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
