"""Sign-in throttling, the Content Security Policy, and hostile input to every form and upload
(property-based: whatever arrives, a clear error or a clean save, never a 500 or a stray file)."""

import io
import zipfile

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence.models import Answer, Attachment, DataPoint, Submission
from tests import factories

pytestmark = pytest.mark.django_db
# The draft fixture is function-scoped and shared by a test's examples: each example reads the row afresh,
# so that health check is the one to silence. No deadline: one example is a whole request, whose time
# varies with the machine's load, not with the input.
HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_repeated_failed_sign_ins_are_throttled(client, submitter):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": submitter.email, "password": "wrong-password"})
    response = client.post(url, {"login": submitter.email, "password": factories.PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_send_a_content_security_policy_without_inline_scripts(client, consultation):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def draft(consultation, submitter):
    return factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=3000) | st.sampled_from(
    ["<script>alert(1)</script>", "\x00\x01", "' OR 1=1 --", "💊" * 2000, "word " * 20000, "{{ 7*7 }}"]
)


@HYPOTHESIS
@given(summary=text, interests=text)
def test_the_about_form_survives_any_text(submitter_client, draft, summary, interests):
    url = reverse("evidence:section_about", kwargs={"public_id": draft.public_id})
    draft.refresh_from_db()  # the same row serves every example: compare with what the last one left
    before = (draft.summary, draft.declared_interests)
    # What the form accepts: a non-empty summary of up to 300 words, and no NUL character in either field
    # (Django refuses those); both are saved stripped of surrounding white space, otherwise unchanged.
    acceptable = bool(summary.strip()) and len(summary.split()) <= 300 and "\x00" not in summary + interests
    response = submitter_client.post(url, {"summary": summary, "declared_interests": interests})
    assert response.status_code == (302 if acceptable else 200)
    draft.refresh_from_db()
    if acceptable:
        assert (draft.summary, draft.declared_interests) == (summary.strip(), interests.strip())
    else:
        assert "There is a problem" in response.content.decode()
        assert (draft.summary, draft.declared_interests) == before  # nothing half-saved


@HYPOTHESIS
@given(answer=text, proposals=text)
def test_the_answers_form_survives_any_text(submitter_client, draft, answer, proposals):
    question = draft.consultation.questions.first()
    url = reverse("evidence:section_answers", kwargs={"public_id": draft.public_id})
    before = Answer.objects.count()
    response = submitter_client.post(url, {f"q{question.pk}": answer, "proposals": proposals})
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert Answer.objects.count() == before  # nothing half-saved


@HYPOTHESIS
@given(value=text, unit=text, year=st.one_of(text, st.integers(-(10**12), 10**12).map(str)), source=text)
def test_the_data_point_form_survives_any_input(submitter_client, draft, value, unit, year, source):
    url = reverse("evidence:section_data_points", kwargs={"public_id": draft.public_id})
    before = DataPoint.objects.count()
    response = submitter_client.post(
        url,
        {
            "indicator": factories.indicator().pk,
            "value": value,
            "unit": unit,
            "period_start": year,
            "geography": factories.region().pk,
            "source": source,
        },
    )
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert DataPoint.objects.count() == before


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE_FILES = {
    "program.pdf": b"MZ\x90\x00" + b"\x00" * 200,
    "elf.docx": b"\x7fELF" + b"\x00" * 100,
    "script.txt": b"#!/bin/sh\nrm -rf /\n",
    "bomb.docx": _zip({"[Content_Types].xml": b"x", "word/document.xml": b"\x00" * 50_000_000}),
    "not-office.xlsx": _zip({"hello.txt": b"hi"}),
    "broken.docx": b"PK\x03\x04 this is not really a zip",
    "latin1.csv": "caf\xe9,na\xefve\n".encode("latin-1"),
    "binary.csv": b"a,b\n\x00\x00\x00",
    "polyglot.pdf": b"GIF89a" + b"%PDF-1.4" + b"\x00" * 50,
    "empty.txt": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_files_are_refused_with_a_message_and_nothing_is_stored(
    submitter_client, draft, name, settings, tmp_path
):
    url = reverse("evidence:section_attachments", kwargs={"public_id": draft.public_id})
    response = submitter_client.post(url, {"file": SimpleUploadedFile(name, HOSTILE_FILES[name])})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Attachment.objects.exists()
    stored = (
        list((settings.MEDIA_ROOT / "attachments").rglob("*")) if (settings.MEDIA_ROOT / "attachments").exists() else []
    )
    assert not [p for p in stored if p.is_file()]


@HYPOTHESIS
@given(name=st.text(min_size=1, max_size=300), body=st.binary(min_size=1, max_size=4000))
def test_any_file_name_and_bytes_give_a_clear_answer(submitter_client, draft, name, body):
    url = reverse("evidence:section_attachments", kwargs={"public_id": draft.public_id})
    try:
        upload = SimpleUploadedFile(name.replace("\x00", "") or "x", body)
    except SuspiciousFileOperation:
        assume(False)  # a name like "/" cannot even be sent as an upload (Django refuses it client-side)
    response = submitter_client.post(url, {"file": upload})
    assert response.status_code in {200, 302}
    for attachment in Attachment.objects.all():
        assert "/" not in attachment.original_name and "\\" not in attachment.original_name
        assert not attachment.original_name.startswith(".")
        assert attachment.file.name.startswith("attachments/")
        attachment.file.delete(save=False)
        attachment.delete()


def test_path_tricks_in_a_file_name_never_reach_the_file_system(submitter_client, draft):
    url = reverse("evidence:section_attachments", kwargs={"public_id": draft.public_id})
    upload = SimpleUploadedFile("../../etc/passwd.txt", b"a harmless text file\n")
    assert submitter_client.post(url, {"file": upload}).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.txt"
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".txt")
    assert Submission.objects.get().has_unsubmitted_changes is False
