"""Workflows of the submitter journey: start, edit, submit, withdraw a response; organisations; files.

Every function is keyword-only and atomic, and raises ``ValidationError`` with a message the submitter can
act on when a rule is broken. Edits lock the submission row so that they never interleave with a submit
taking its snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from . import outbox, uploads
from .models import (
    Answer,
    Attachment,
    Consultation,
    DataPoint,
    Membership,
    Modality,
    Organisation,
    Question,
    Submission,
    SubmissionVersion,
)

# The fields of a response a submitter edits directly, section by section.
EDITABLE_FIELDS = {
    "summary",
    "proposals",
    "declared_interests",
    "confidentiality",
    "confidentiality_reason",
    "consent_to_publish",
}


def closed_message(consultation: Consultation, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if now < consultation.opens_at:
        when = date_format(timezone.localtime(consultation.opens_at), "j F Y, H:i")
        return f"This call for evidence opens on {when}. Responses cannot be started or changed before then."
    when = date_format(timezone.localtime(consultation.closes_at), "j F Y, H:i")
    return (
        f"This call for evidence closed on {when}. Responses can no longer be started, changed, "
        "uploaded to or submitted."
    )


def word_count(text: str) -> int:
    return len(text.split())


# --- Organisations ---------------------------------------------------------------------------------------


@transaction.atomic
def organisation_save(
    *,
    user,
    organisation: Organisation,
    sub_sectors: Iterable[Modality] = (),
    job_title: str = "",
) -> Organisation:
    """Create or update the organisation the user responds for, and tie the user to it."""
    if not organisation.organisation_type.is_individual and not organisation.size_band:
        raise ValidationError({"size_band": "Choose the size of your organisation."})
    organisation.full_clean()
    organisation.save()
    organisation.sub_sectors.set(sub_sectors)
    membership, _ = Membership.objects.get_or_create(user=user, defaults={"organisation": organisation})
    membership.organisation = organisation
    membership.job_title = job_title
    membership.full_clean()
    membership.save()
    return organisation


def organisation_for(user) -> Organisation | None:
    membership = Membership.objects.select_related("organisation").filter(user_id=user.pk).first()
    return membership.organisation if membership else None


# --- Responses -------------------------------------------------------------------------------------------


@transaction.atomic
def submission_start(*, consultation: Consultation, user, now: dt.datetime | None = None) -> Submission:
    """The organisation's response to the consultation: its current one, or a new draft.

    Locking the consultation row makes two clicks on "Start" (or two colleagues) end with one draft.
    """
    organisation = organisation_for(user)
    if organisation is None:
        raise ValidationError("Add your organisation's details before you start a response.")
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_open(now):
        raise ValidationError(closed_message(consultation, now))
    current = (
        Submission.objects.for_organisation(organisation.pk)
        .filter(consultation=consultation)
        .exclude(status=Submission.Status.WITHDRAWN)
        .order_by("-pk")
        .first()
    )
    if current is not None:
        return current
    submission = Submission(consultation=consultation, organisation=organisation, created_by=user)
    submission.full_clean()
    submission.save()
    return submission


def _lock_for_edit(submission: Submission, now: dt.datetime | None) -> Submission:
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .get(pk=submission.pk)
    )
    if locked.status == Submission.Status.WITHDRAWN:
        raise ValidationError("This response has been withdrawn and can no longer be changed.")
    if not locked.consultation.is_open(now):
        raise ValidationError(closed_message(locked.consultation, now))
    return locked


def _touch(submission: Submission) -> None:
    """Record that a submitted response now differs from its last submitted version."""
    fields = ["updated_at"]
    if submission.status == Submission.Status.SUBMITTED:
        submission.has_unsubmitted_changes = True
        fields.append("has_unsubmitted_changes")
    submission.save(update_fields=fields)


@transaction.atomic
def submission_update(
    *, submission: Submission, by, data: Mapping[str, object], now: dt.datetime | None = None
) -> Submission:
    """Save one section's fields (about you, confidentiality and consent) as a draft."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable by the submitter: {', '.join(sorted(unknown))}")
    locked = _lock_for_edit(submission, now)
    for name, value in data.items():
        setattr(locked, name, value)
    if locked.confidentiality != Submission.Confidentiality.CONFIDENTIAL:
        locked.confidentiality_reason = ""
    elif not locked.confidentiality_reason.strip():
        raise ValidationError(
            {"confidentiality_reason": "Tell us why the material is commercially confidential."}
        )
    locked.full_clean()
    locked.save()
    _touch(locked)
    return locked


@transaction.atomic
def submission_save_answers(
    *, submission: Submission, by, answers: Mapping[int, str], now: dt.datetime | None = None
) -> Submission:
    """Save the answers by question id; an empty answer removes the saved one."""
    locked = _lock_for_edit(submission, now)
    questions = {q.pk: q for q in Question.objects.filter(consultation_id=locked.consultation_id)}
    errors = {}
    for question_id, text in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise ValidationError("That question is not part of this call for evidence.")
        words = word_count(text)
        if words > question.word_limit:
            errors[f"question_{question_id}"] = word_limit_message(words, question.word_limit)
    if errors:
        raise ValidationError(errors)
    existing = {a.question_id: a for a in Answer.objects.filter(submission=locked)}
    for question_id, text in answers.items():
        text = text.strip()
        answer = existing.get(question_id)
        if not text:
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            answer = Answer(submission=locked, question=questions[question_id])
        answer.text = text
        answer.full_clean()
        answer.save()
    _touch(locked)
    return locked


def word_limit_message(words: int, limit: int) -> str:
    return f"Your answer is {words} words; the limit is {limit}. Shorten it by {words - limit} words."


@transaction.atomic
def datapoint_save(
    *, submission: Submission, by, data_point: DataPoint, now: dt.datetime | None = None
) -> DataPoint:
    """Add or change a data point of the response."""
    locked = _lock_for_edit(submission, now)
    if data_point.pk and data_point.submission_id != locked.pk:
        raise ValidationError("That data point belongs to another response.")
    data_point.submission = locked
    if data_point.indicator_id and not data_point.indicator.fits_unit(data_point.unit):
        raise ValidationError({"unit": unit_message(data_point)})
    data_point.full_clean()
    data_point.save()
    _touch(locked)
    return data_point


def unit_message(data_point: DataPoint) -> str:
    units = "; ".join(data_point.indicator.accepted_units())
    return f"“{data_point.unit}” is not a unit for {data_point.indicator.name}. Use: {units}."


@transaction.atomic
def datapoint_delete(*, submission: Submission, by, data_point: DataPoint, now=None) -> None:
    locked = _lock_for_edit(submission, now)
    DataPoint.objects.filter(pk=data_point.pk, submission=locked).delete()
    _touch(locked)


@transaction.atomic
def attachment_add(
    *, submission: Submission, upload: UploadedFile, by, description: str = "", now=None
) -> Attachment:
    """Validate and store an uploaded file, then queue its text extraction."""
    locked = _lock_for_edit(submission, now)
    limit = settings.MMIP_UPLOADS_PER_SUBMISSION
    if Attachment.objects.filter(submission=locked).count() >= limit:
        raise ValidationError(f"A response can have at most {limit} files. Delete one before adding another.")
    checked = uploads.inspect_upload(upload)
    duplicate = Attachment.objects.filter(submission=locked, sha256=checked.sha256).first()
    if duplicate is not None:
        raise ValidationError(
            f"This file is already attached to the response (as “{duplicate.original_name}”)."
        )
    attachment = Attachment(
        submission=locked,
        original_name=checked.original_name,
        kind=checked.kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description.strip(),
        uploaded_by=by,
    )
    # The stored name comes from attachment_upload_to (random); the submitter's file name is only shown.
    attachment.file.save(checked.original_name, upload, save=False)
    try:
        attachment.full_clean(exclude=["file"])
        attachment.save()
        _touch(locked)
        outbox.enqueue("evidence.tasks.extract_attachment_text", attachment_id=attachment.pk)
    except Exception:
        # Nothing half-saved: the row is rolled back with the transaction, the file removed here.
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, submission: Submission, by, attachment: Attachment, now=None) -> None:
    locked = _lock_for_edit(submission, now)
    row = Attachment.objects.filter(pk=attachment.pk, submission=locked).first()
    if row is None:
        return
    stored = row.file.name
    storage = row.file.storage
    row.delete()
    _touch(locked)
    # The file goes only once the row's deletion is committed.
    transaction.on_commit(lambda: storage.delete(stored))


# --- Submit and withdraw ---------------------------------------------------------------------------------


def submission_problems(submission: Submission) -> dict[str, str]:
    """What stops the response from being submitted, by section (empty when it can be submitted)."""
    problems: dict[str, str] = {}
    if not submission.summary.strip():
        problems["about"] = "Write a summary of your evidence."
    answers = list(submission.answers.select_related("question"))
    if not answers and not submission.proposals.strip():
        problems["answers"] = "Answer at least one question, or say what should change."
    for answer in answers:
        words = answer.word_count()
        if words > answer.question.word_limit:
            problems["answers"] = f"“{answer.question}”: " + word_limit_message(
                words, answer.question.word_limit
            )
    if submission.is_confidential and not submission.confidentiality_reason.strip():
        problems["confidentiality"] = "Tell us why the material is commercially confidential."
    return problems


def submission_snapshot(submission: Submission) -> dict:
    """The response as plain JSON, kept with each submitted version."""
    return {
        "organisation": submission.organisation.name,
        "summary": submission.summary,
        "proposals": submission.proposals,
        "declared_interests": submission.declared_interests,
        "confidentiality": submission.confidentiality,
        "confidentiality_reason": submission.confidentiality_reason,
        "consent_to_publish": submission.consent_to_publish,
        "answers": [
            {"question_id": a.question_id, "question": a.question.text, "text": a.text}
            for a in submission.answers.select_related("question").order_by("question__order")
        ],
        "data_points": [
            {
                "indicator": d.indicator_name,
                "indicator_slug": d.indicator.slug if d.indicator_id else "",
                "value": str(d.value),
                "unit": d.unit,
                "period": d.period_label,
                "geography": d.geography.name,
                "source": d.source,
                "notes": d.notes,
            }
            for d in submission.data_points.select_related("indicator", "geography")
        ],
        "attachments": [
            {
                "public_id": str(a.public_id),
                "name": a.original_name,
                "kind": a.kind,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in submission.attachments.all()
        ],
    }


@transaction.atomic
def submission_submit(*, submission: Submission, by, now: dt.datetime | None = None) -> Submission:
    """Submit (or re-submit after amending) a response: reference, version snapshot, receipt.

    The submission row is locked first and the consultation row second (always in that order, so two
    submits never deadlock); the consultation lock serialises reference numbers, so they are unique
    and gap-free however many people submit at once.
    """
    now = now or timezone.now()
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=submission.pk)
    )
    consultation = Consultation.objects.select_for_update().get(pk=locked.consultation_id)
    locked.consultation = consultation
    if locked.status == Submission.Status.SUBMITTED and not locked.has_unsubmitted_changes:
        return locked  # a repeated submit (back button, refresh, second tab) changes nothing
    if locked.status == Submission.Status.WITHDRAWN:
        raise ValidationError("This response has been withdrawn and cannot be submitted.")
    if not consultation.is_open(now):
        raise ValidationError(closed_message(consultation, now))
    problems = submission_problems(locked)
    if problems:
        raise ValidationError(list(problems.values()))

    if locked.reference_number is None:
        number = consultation.last_reference_number + 1
        consultation.last_reference_number = number
        consultation.save(update_fields=["last_reference_number"])
        locked.reference_number = number
        locked.reference = consultation.format_reference(number)
    locked.version += 1
    locked.status = Submission.Status.SUBMITTED
    locked.submitted_at = now
    locked.first_submitted_at = locked.first_submitted_at or now
    locked.has_unsubmitted_changes = False
    locked.full_clean()
    locked.save()
    SubmissionVersion.objects.create(
        submission=locked, number=locked.version, snapshot=submission_snapshot(locked), created_by=by
    )
    outbox.enqueue("evidence.tasks.send_receipt", submission_id=locked.pk, version=locked.version)
    return locked


@transaction.atomic
def submission_withdraw(*, submission: Submission, by, now: dt.datetime | None = None) -> Submission:
    """Withdraw a submitted response. It is kept (with its reference) but no longer considered."""
    now = now or timezone.now()
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .get(pk=submission.pk)
    )
    if locked.status == Submission.Status.WITHDRAWN:
        return locked
    if locked.status != Submission.Status.SUBMITTED:
        raise ValidationError("Only a submitted response can be withdrawn; this one is still a draft.")
    if not locked.consultation.is_open(now):
        raise ValidationError(closed_message(locked.consultation, now))
    locked.status = Submission.Status.WITHDRAWN
    locked.withdrawn_at = now
    locked.save(update_fields=["status", "withdrawn_at", "updated_at"])
    return locked
