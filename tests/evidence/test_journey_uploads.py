"""Uploads: the type comes from the content, never the name; size, count and duplicates are limited;
the stored name is generated; nothing is half-saved."""

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services
from evidence.models import Attachment, OutboxTask, Submission
from tests import factories
from tests.evidence import journey_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(submitter, consultation):
    return services.submission_start(consultation=consultation, user=submitter)


def add(draft, submitter, name, content):
    return services.attachment_add(submission=draft, upload=files.upload(name, content), by=submitter)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("evidence.pdf", files.pdf_bytes(), "pdf"),
        ("case-study.docx", files.docx_bytes(), "docx"),
        ("jobs.xlsx", files.xlsx_bytes(), "xlsx"),
        ("jobs.csv", "year,jobs\n2023,1 200\nMâcon,5\n".encode(), "csv"),
        ("notes.txt", "Plain notes, with a £ sign.\n".encode(), "txt"),
    ],
)
def test_each_accepted_type_is_recognised_from_its_content(draft, submitter, name, content, kind):
    attachment = add(draft, submitter, name, content)
    assert attachment.kind == kind
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [("report.pdf", files.docx_bytes(), "report.docx"), ("data.docx", files.pdf_bytes(), "data.pdf")],
)
def test_the_shown_name_follows_the_content_not_the_submitted_name(draft, submitter, name, content, shown):
    attachment = add(draft, submitter, name, content)
    assert attachment.original_name == shown
    assert attachment.content_type == {"docx": files.DOCX_TYPE, "pdf": "application/pdf"}[attachment.kind]


def test_the_stored_name_is_generated_not_the_submitters(draft, submitter):
    attachment = add(draft, submitter, "../../etc/passwd evil name.pdf", files.pdf_bytes())
    stored = Path(attachment.file.name)
    assert "evil" not in stored.name and "passwd" not in str(stored)
    assert stored.suffix == ".pdf" and len(stored.stem) == 32
    assert attachment.original_name == "passwd evil name.pdf"
    assert Path(attachment.file.path).read_bytes() == files.pdf_bytes()


def test_an_upload_queues_text_extraction(draft, submitter):
    attachment = add(draft, submitter, "evidence.pdf", files.pdf_bytes())
    task = OutboxTask.objects.get(task_name="evidence.tasks.extract_attachment_text")
    assert task.kwargs == {"attachment_id": attachment.pk}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", files.exe_bytes(), "“report.pdf” is a program, which cannot be uploaded"),
        ("report.pdf", files.plain_zip_bytes(), "The file is a zip archive, not a PDF"),
        ("report.docx", b"PK\x03\x04" + b"\x00" * 200, "is damaged and cannot be opened"),
        ("report.docx", files.zip_bomb_bytes(), "a compressed archive bomb"),
        ("data.csv", "naïve".encode("latin-1"), "must be saved as UTF-8 (the byte at position 2"),
        ("notes.txt", b"text\x00with a NUL", "it contains binary data"),
        ("picture.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "“picture.pdf” is a PNG file (image/png)"),
        ("macros.xlsx", files.macro_workbook_bytes(), "Office files with macros are not accepted"),
        ("hidden.docx", files.hidden_bomb_bytes(), "a compressed archive bomb"),
        ("empty.pdf", b"", "The file is empty."),
    ],
    ids=[
        "exe-renamed-pdf",
        "plain-zip",
        "bad-zip",
        "zip-bomb",
        "not-utf8",
        "nul-bytes",
        "png-renamed-pdf",
        "macro-workbook",
        "bomb-among-ordinary-parts",
        "empty",
    ],
)
def test_files_whose_content_is_not_what_we_accept_are_refused(draft, submitter, name, content, message):
    with pytest.raises(ValidationError) as caught:
        add(draft, submitter, name, content)
    assert message in " ".join(caught.value.messages)
    assert not Attachment.objects.exists()
    assert not OutboxTask.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_the_sizes(draft, submitter, settings):
    settings.MMIP_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        add(draft, submitter, "big.txt", b"a" * 2048)
    assert caught.value.messages == ["The file is 2.0\xa0KB; the largest accepted is 1.0\xa0KB."]


def test_the_number_of_files_per_response_is_limited(draft, submitter, settings):
    settings.MMIP_UPLOADS_PER_SUBMISSION = 2
    add(draft, submitter, "one.txt", b"one")
    add(draft, submitter, "two.txt", b"two")
    with pytest.raises(ValidationError, match="at most 2 attachments"):
        add(draft, submitter, "three.txt", b"three")
    assert draft.attachments.count() == 2


def test_the_same_file_twice_is_refused(draft, submitter):
    add(draft, submitter, "one.pdf", files.pdf_bytes())
    with pytest.raises(ValidationError, match="already attached to your response"):
        add(draft, submitter, "copy.pdf", files.pdf_bytes())


def test_a_refused_upload_leaves_no_file_on_disk(draft, submitter, settings):
    with pytest.raises(ValidationError):
        add(draft, submitter, "report.pdf", files.exe_bytes())
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_the_upload_page_shows_the_refusal_at_the_top_and_on_the_field(submitter_client, draft):
    url = reverse("evidence:section_attachments", args=[draft.public_id])
    response = submitter_client.post(url, {"file": files.upload("report.pdf", files.exe_bytes())})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_file"' in page
    assert "is a program, which cannot be uploaded" in page
    assert not Attachment.objects.exists()


def test_upload_and_delete_through_the_pages(submitter_client, draft):
    url = reverse("evidence:section_attachments", args=[draft.public_id])
    response = submitter_client.post(
        url, {"file": files.upload("evidence.pdf", files.pdf_bytes()), "description": "Annual report"}
    )
    assert response.status_code == 302
    attachment = draft.attachments.get()
    path = Path(attachment.file.path)
    assert path.exists()
    page = submitter_client.get(url).content.decode()
    assert "evidence.pdf" in page and "Annual report" in page

    delete_url = reverse("evidence:attachment_delete", args=[draft.public_id, attachment.public_id])
    assert submitter_client.post(delete_url).status_code == 302
    assert not draft.attachments.exists()


def test_uploading_to_a_submitted_response_marks_it_changed(submitter, consultation):
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation
    )
    add(submission, submitter, "later.txt", b"added after submitting")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.has_unsubmitted_changes is True


def test_a_failure_after_the_file_is_written_leaves_neither_row_nor_file(draft, submitter, settings, mocker):
    mocker.patch("evidence.outbox.enqueue", side_effect=RuntimeError("database went away"))
    with pytest.raises(RuntimeError):
        add(draft, submitter, "evidence.pdf", files.pdf_bytes())
    assert not Attachment.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
