"""Erasing personal data after the retention period keeps the evidence; subject access exports it all."""

import datetime as dt
import json

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from evidence import duplicates, search
from evidence.models import Answer, DuplicateFlag, Organisation, PassageBand, Submission, TextFingerprint
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(consultation, submitter, settings):
    settings.MMIP_RETENTION_DAYS = 30
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        organisation=submitter.membership.organisation,
        created_by=submitter,
        declared_interests="I sit on the board of a CDMO.",
        reference="MMIP-0001",
        reference_number=1,
    )
    Answer.objects.create(submission=submission, question=consultation.questions.first(), text="45 vacancies.")
    person = factories.MembershipFactory(
        user__username="ian",
        organisation__name="Dr Ian Jones",
        organisation__organisation_type=factories.organisation_type("individual"),
        organisation__size_band="",
    ).user
    factories.SubmittedSubmissionFactory(
        consultation=consultation,
        organisation=person.membership.organisation,
        created_by=person,
        reference="MMIP-0500",
        reference_number=500,
    )
    return consultation, submission


def test_erasure_waits_for_the_close_and_the_retention_period(closed):
    consultation, _ = closed
    with pytest.raises(CommandError, match="still open"):
        call_command("erase_personal_data", consultation=consultation.slug)
    with time_machine.travel(consultation.closes_at + dt.timedelta(days=1)):
        with pytest.raises(CommandError, match="retention period"):
            call_command("erase_personal_data", consultation=consultation.slug)


def test_erasure_removes_who_sent_it_and_keeps_the_evidence(closed, submitter, capsys):
    consultation, submission = closed
    Submission.objects.update(summary="We have forty-five unfilled vacancies for process engineers in Macclesfield.")
    for pk in Submission.objects.values_list("pk", flat=True):
        search.refresh([pk])
        duplicates.detect_for_submission(submission_id=pk)
    assert TextFingerprint.objects.filter(sender_key="dr ian jones").exists()
    with time_machine.travel(consultation.closes_at + dt.timedelta(days=31)):
        call_command("erase_personal_data", consultation=consultation.slug, dry_run=True)
        assert "Would erase the personal data of 2 respondent account(s)" in capsys.readouterr().out
        submitter.refresh_from_db()
        assert submitter.email == "sam@example.org"
        call_command("erase_personal_data", consultation=consultation.slug)
    submitter.refresh_from_db()
    assert submitter.email.endswith("@erased.invalid") and not submitter.is_active
    assert not submitter.has_usable_password()
    assert not EmailAddress.objects.filter(email="sam@example.org").exists()
    submission.refresh_from_db()
    assert submission.reference == "MMIP-0001" and submission.declared_interests == ""
    assert submission.answers.get().text == "45 vacancies."
    assert Organisation.objects.filter(name="Dr Ian Jones").count() == 0
    assert Submission.objects.get(reference="MMIP-0500").organisation.name == "Individual respondent (erased)"
    consultation.refresh_from_db()
    assert consultation.personal_data_erased_at is not None
    # The duplicate index (senders' names among it) goes; the flags a reviewer saw stay.
    assert not TextFingerprint.objects.exists() and not PassageBand.objects.exists()
    assert DuplicateFlag.objects.count() == 1


def test_subject_access_exports_everything_held_about_a_person(closed, submitter, tmp_path):
    out = tmp_path / "sar.json"
    call_command("export_personal_data", email="SAM@example.org", out=str(out))
    data = json.loads(out.read_text())
    assert data["account"]["email"] == "sam@example.org"
    assert data["organisation"]["name"] == "Northern Biologics Ltd"
    assert data["submissions"][0]["reference"] == "MMIP-0001"
    assert data["submissions"][0]["answers"][0]["text"] == "45 vacancies."
    assert data["submissions"][0]["declared_interests"] == "I sit on the board of a CDMO."


def test_subject_access_for_an_unknown_address_says_so(db):
    with pytest.raises(CommandError, match="No account with the e-mail address nobody@example.org"):
        call_command("export_personal_data", email="nobody@example.org")


def test_beat_erases_each_consultation_once_its_retention_period_ends_and_logs_it(closed, caplog, settings):
    from evidence.tasks import erase_due_personal_data

    consultation, submission = closed
    assert settings.CELERY_BEAT_SCHEDULE["personal-data-erasure"]["task"] == "evidence.tasks.erase_due_personal_data"
    due = consultation.closes_at + dt.timedelta(days=30)
    with time_machine.travel(due - dt.timedelta(hours=1)), caplog.at_level("INFO", logger="evidence.privacy"):
        assert erase_due_personal_data() == 0  # not yet: nothing changes
    assert "no consultation is due" in caplog.text
    submission.refresh_from_db()
    assert submission.declared_interests
    caplog.clear()
    with time_machine.travel(due + dt.timedelta(hours=1)), caplog.at_level("INFO", logger="evidence.privacy"):
        assert erase_due_personal_data() == 1
        assert erase_due_personal_data() == 0  # once only
    assert f"Erased the personal data of consultation {consultation.slug}" in caplog.text
    assert "2 respondent account(s)" in caplog.text
    submission.refresh_from_db()
    consultation.refresh_from_db()
    assert submission.declared_interests == "" and consultation.personal_data_erased_at is not None
