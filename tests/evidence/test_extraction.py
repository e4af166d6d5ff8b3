"""Text extraction from attachments: real files in, searchable text out; damaged files marked failed
with a reason, never retried for ever."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from fpdf import FPDF

from evidence import extraction, tasks
from evidence.models import Attachment
from tests import factories

pytestmark = pytest.mark.django_db


def attach(name: str, content: bytes, kind: str | None = None) -> Attachment:
    submission = factories.SubmissionFactory()
    attachment = Attachment(
        submission=submission,
        original_name=name,
        kind=kind or name.rsplit(".", 1)[-1],
        content_type="application/octet-stream",
        size=len(content),
        sha256=f"{hash(content) & (2**64 - 1):064x}",
        uploaded_by=submission.created_by,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def extract(attachment: Attachment) -> Attachment:
    tasks.extract_attachment_text(attachment_id=attachment.pk)
    attachment.refresh_from_db()
    return attachment


def pdf(*pages: str) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=12)
    for text in pages:
        document.add_page()
        document.cell(text=text)
    return bytes(document.output())


def test_a_pdfs_text_is_extracted_from_every_page():
    attachment = extract(attach("survey.pdf", pdf("Validation roles take seven months", "Energy costs doubled")))
    assert attachment.extraction_status == Attachment.Extraction.DONE
    assert "seven months" in attachment.extracted_text and "Energy costs doubled" in attachment.extracted_text
    assert attachment.extraction_error == ""


def test_a_word_documents_paragraphs_and_tables_are_extracted_in_order():
    document = docx.Document()
    document.add_paragraph("Vacancies at our Speke site:")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Role", "Vacancies"
    table.cell(1, 0).text, table.cell(1, 1).text = "QC analyst", "12"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Total across both sites"
    document.add_paragraph("Source: our 2024 HR survey.")
    buffer = io.BytesIO()
    document.save(buffer)

    text = extract(attach("case.docx", buffer.getvalue())).extracted_text
    assert text.splitlines() == [
        "Vacancies at our Speke site:",
        "Role\tVacancies",
        "QC analyst\t12",
        "Total across both sites",  # a merged cell once, not once per column it spans
        "Source: our 2024 HR survey.",
    ]


def test_every_sheet_of_a_workbook_is_extracted():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Jobs"
    workbook.active.append(["year", "jobs"])
    workbook.active.append([2023, 400])
    energy = workbook.create_sheet("Energy")
    energy.append(["site", "MWh"])
    energy.append(["Speke", 1250.5])
    buffer = io.BytesIO()
    workbook.save(buffer)

    text = extract(attach("data.xlsx", buffer.getvalue())).extracted_text
    assert text.splitlines() == ["# Jobs", "year\tjobs", "2023\t400", "# Energy", "site\tMWh", "Speke\t1250.5"]


def test_csv_in_utf8_and_in_windows_1252_are_both_read():
    utf8 = extract(attach("a.csv", "indicator,value\r\nGVA £bn,32.1\r\n".encode("utf-8-sig")))
    assert utf8.extracted_text == "indicator\tvalue\nGVA £bn\t32.1"
    excel = extract(attach("b.csv", "indicator,value\r\nGVA £bn,32.1\r\n".encode("cp1252")))
    assert excel.extracted_text == "indicator\tvalue\nGVA £bn\t32.1"


def test_plain_text_is_kept_without_nul_characters():
    attachment = extract(attach("notes.txt", b"Line one\x00\nLine two\n"))
    assert attachment.extracted_text == "Line one\nLine two"


def test_extracted_text_is_capped(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_TEXT_CHARS", 1000)
    attachment = extract(attach("long.txt", b"evidence " * 10_000))
    assert attachment.extraction_status == Attachment.Extraction.DONE
    assert len(attachment.extracted_text) <= 1000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage", "The PDF could not be read"),
        ("broken.docx", b"PK\x03\x04 this is not really a zip", "The Word document is damaged"),
        ("broken.xlsx", b"not a spreadsheet at all", "The spreadsheet is damaged"),
    ],
)
def test_a_damaged_file_is_marked_failed_with_a_reason(name, content, message):
    attachment = extract(attach(name, content))
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert attachment.extraction_error.startswith(message)
    assert attachment.extracted_text == ""


def test_an_office_package_missing_its_document_part_is_marked_failed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
    attachment = extract(attach("empty.docx", buffer.getvalue()))
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert "could not be read" in attachment.extraction_error


def test_a_package_that_would_unpack_to_too_much_is_not_read(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_UNPACKED_BYTES", 10_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/sharedStrings.xml", "A" * 1_000_000)  # compresses to about 1 KB
    attachment = extract(attach("bomb.xlsx", buffer.getvalue()))
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert "would unpack to" in attachment.extraction_error


def test_a_password_protected_pdf_is_marked_failed():
    document = FPDF()
    document.set_encryption(owner_password="owner", user_password="let-me-in")
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Secret capacity plan")
    attachment = extract(attach("locked.pdf", bytes(document.output())))
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert attachment.extraction_error == "The PDF is password-protected, so its text cannot be read."


def test_a_pdf_with_only_an_owner_password_is_read():
    document = FPDF()
    document.set_encryption(owner_password="owner")
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Printable but not editable")
    attachment = extract(attach("restricted.pdf", bytes(document.output())))
    assert attachment.extraction_status == Attachment.Extraction.DONE
    assert "Printable but not editable" in attachment.extracted_text


def test_a_missing_stored_file_is_marked_failed():
    attachment = attach("gone.txt", b"text")
    attachment.file.storage.delete(attachment.file.name)
    attachment = extract(attachment)
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert attachment.extraction_error == "The stored file is missing."


def test_extraction_is_idempotent_a_second_delivery_leaves_the_text_alone(mocker):
    attachment = extract(attach("notes.txt", b"Apprenticeships work"))
    reader = mocker.spy(extraction, "extract_text")
    again = extract(attachment)
    assert reader.call_count == 0
    assert again.extracted_text == "Apprenticeships work" and again.extraction_status == "done"


def test_extraction_refreshes_the_responses_search_text():
    attachment = extract(attach("notes.txt", b"Apprenticeships in sterile manufacturing"))
    attachment.submission.refresh_from_db()
    assert "Apprenticeships in sterile manufacturing" in attachment.submission.search_document


def test_a_file_that_takes_too_long_is_marked_failed_not_retried(mocker):
    attachment = attach("slow.pdf", pdf("slow"))
    mocker.patch.object(extraction, "extract_text", side_effect=SoftTimeLimitExceeded())
    result = tasks.extract_attachment_text.apply(kwargs={"attachment_id": attachment.pk})
    assert result.successful()
    attachment.refresh_from_db()
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert "longer than two minutes" in attachment.extraction_error


def test_a_transient_disk_error_is_retried_then_succeeds(mocker):
    attachment = attach("notes.txt", b"Energy costs doubled")
    mocker.patch.object(extraction, "extract_text", side_effect=[OSError("NFS hiccup"), "Energy costs doubled"])
    result = tasks.extract_attachment_text.apply(kwargs={"attachment_id": attachment.pk})
    assert result.successful()
    attachment.refresh_from_db()
    assert attachment.extraction_status == "done" and attachment.extracted_text == "Energy costs doubled"


def test_when_retries_run_out_the_attachment_says_so_instead_of_staying_pending(mocker):
    attachment = attach("notes.txt", b"Energy costs doubled")
    mocker.patch.object(extraction, "extract_text", side_effect=OSError("disk on fire"))
    mocker.patch.object(tasks.extract_attachment_text, "max_retries", 1)
    result = tasks.extract_attachment_text.apply(kwargs={"attachment_id": attachment.pk})
    assert result.failed()
    attachment.refresh_from_db()
    assert attachment.extraction_status == Attachment.Extraction.FAILED
    assert attachment.extraction_error.startswith("Text extraction failed after repeated attempts (OSError)")


def test_a_deleted_attachment_is_skipped():
    assert extraction.attachment_extract_text(attachment_id=987654) is None
