"""Workflows of the submitter journey. Each is atomic, validates with ``full_clean`` and raises
``ValidationError`` with a message a submitter can act on. Follow-up work goes through the outbox."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from mmip.fixedquery import Columns, FixedQuery, columns, load, lookups

from . import outbox
from .models import (
    Answer,
    Attachment,
    Consultation,
    DataPoint,
    Membership,
    Organisation,
    Submission,
    SubmissionVersion,
    confidentiality_errors,
)
from .models.submissions import SEARCH_FIELDS, period_label
from .uploads import inspect_upload


def _closed_message(consultation: Consultation, now: dt.datetime) -> str:
    if now < consultation.opens_at:
        when = date_format(timezone.localtime(consultation.opens_at), "j F Y")
        return f"This call for evidence opens on {when}."
    when = date_format(timezone.localtime(consultation.closes_at), "j F Y, H:i")
    return f"This call for evidence closed on {when}: responses can no longer be started, changed or submitted."


def ensure_open(consultation: Consultation, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if not consultation.is_open(now):
        raise ValidationError(_closed_message(consultation, now), code="closed")


def ensure_editable(submission: Submission, now: dt.datetime | None = None) -> None:
    ensure_open(submission.consultation, now)
    if submission.status == Submission.Status.WITHDRAWN:
        raise ValidationError("This response was withdrawn and can no longer be changed.", code="withdrawn")


def _locked(pk: int) -> Submission:
    """The submission row, locked until the transaction ends. Only that row: a FOR UPDATE over the join
    would also lock the consultation on PostgreSQL and serialise every draft save with every submit."""
    return Submission.objects.without_search().select_for_update(of=("self",)).select_related("consultation").get(pk=pk)


@functools.cache
def _mine_layout() -> tuple[Columns, ...]:
    """What _locked_for reads: the response (all but its search document and vector), its consultation and
    its organisation."""
    return (
        columns(Submission, exclude=SEARCH_FIELDS),
        columns(Consultation, "consultation__"),
        columns(Organisation, "organisation__"),
    )


# The web journey's read of a response it changes (every draft save and submit): built once per thread
# (mmip/fixedquery.py), since building this join anew cost more CPU than the rest of the statement's work.
_MINE = FixedQuery(
    lambda public_id, user_id: (
        Submission.objects.select_for_update(of=("self",))
        .filter(public_id=public_id, organisation__members__user_id=user_id)
        .order_by()
        .values_list(*lookups(_mine_layout()))
    ),
    kinds=("uuid", "int"),
)


def _locked_for(user, public_id) -> Submission:
    """As ``_locked``, found by its public id and only if it is the user's organisation's response (else
    Submission.DoesNotExist): the web journey's ownership check and the lock in one statement, which also
    reads its consultation and organisation (without locking them)."""
    rows = _MINE(public_id, user.pk)
    if not rows:
        raise Submission.DoesNotExist("No response of this id belongs to the user's organisation.")
    [row] = rows  # a response belongs to one organisation, and a user is its member once
    submission, consultation, organisation = load(row, _mine_layout())
    Submission.consultation.field.set_cached_value(submission, consultation)
    Submission.organisation.field.set_cached_value(submission, organisation)
    return submission


def _touch(submission: Submission) -> None:
    """Record a change to the response's answers, data points or files: the time it last changed (which
    also renews its cached summary, evidence/summaries.py) and, once submitted, that it has changes its
    reviewers have not seen yet (a change of state, so recorded in its history)."""
    if submission.status == Submission.Status.SUBMITTED and not submission.has_unsubmitted_changes:
        submission.has_unsubmitted_changes = True
        submission.save(update_fields=["has_unsubmitted_changes", "updated_at"])
    else:
        submission.save_without_historical_record(update_fields=["updated_at"])


# --- Optimistic locking of draft sections -------------------------------------------------------------
# A form carries the fingerprint of the section as it was when the page was rendered. A save whose
# fingerprint no longer matches (another tab, or a colleague, saved that section since) is refused with
# EditConflict: what they saved stays saved, what you typed stays in your form, and you choose. Comparing
# the section's own values, not a row version, means saving one section never conflicts with another.


class EditConflict(Exception):
    """The section changed since the form was loaded. ``current`` maps each field to its saved value;
    ``fingerprint`` is the section's fingerprint now (a form carrying it replaces what was saved)."""

    def __init__(self, current: dict[str, Any]):
        super().__init__("This section was saved elsewhere since you opened it.")
        self.current = current
        self.fingerprint = fingerprint(current)


def fingerprint(values: dict[str, Any]) -> str:
    text = json.dumps({k: "" if v is None else str(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _check_unchanged(current: dict[str, Any], expected: str | None, incoming: dict[str, Any]) -> None:
    """Refuse a save from a stale form, unless it saves exactly what is there already (two tabs agreeing)."""
    if expected is None or fingerprint(current) == expected:
        return
    if fingerprint({k: incoming.get(k, "") for k in current}) != fingerprint(current):
        raise EditConflict(current)


def submission_values(submission: Submission, fields) -> dict[str, Any]:
    return {field: getattr(submission, field) for field in fields}


def answers_values(submission: Submission) -> dict[str, Any]:
    """The answers section as saved: every question's answer (empty if none) and the proposals."""
    saved = dict(submission.answers.values_list("question_id", "text"))
    values: dict[str, Any] = {
        f"q{pk}": saved.get(pk, "") for pk in submission.consultation.questions.values_list("pk", flat=True)
    }
    values["proposals"] = submission.proposals
    return values


DATA_POINT_FIELDS = (
    "indicator_id",
    "other_indicator",
    "component_id",
    "value",
    "unit",
    "period_start",
    "period_end",
    "geography_id",
    "source",
    "notes",
)


def data_point_values(data_point: DataPoint) -> dict[str, Any]:
    return {field: getattr(data_point, field) for field in DATA_POINT_FIELDS}


# --- Organisations --------------------------------------------------------------------------------------


@transaction.atomic
def organisation_save(*, user, data: dict[str, Any]) -> Organisation:
    """Create the user's organisation (and membership) or update the one they belong to."""
    sub_sectors = data.pop("sub_sectors", [])
    job_title = data.pop("job_title", "")
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    organisation = membership.organisation if membership else Organisation()
    for field, value in data.items():
        setattr(organisation, field, value)
    if organisation.organisation_type.is_individual:
        organisation.size_band = ""
    organisation.full_clean()
    organisation.save()
    organisation.sub_sectors.set(sub_sectors)
    if membership:
        membership.job_title = job_title
        membership.save(update_fields=["job_title"])
    else:
        Membership.objects.create(user=user, organisation=organisation, job_title=job_title)
    return organisation


# --- Responses ------------------------------------------------------------------------------------------


@transaction.atomic
def submission_start(*, consultation: Consultation, user, now: dt.datetime | None = None) -> Submission:
    """The organisation's response to ``consultation``: its existing one, or a new draft."""
    ensure_open(consultation, now)
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    if membership is None:
        raise ValidationError("Tell us about your organisation before you start a response.", code="no_org")
    existing = (
        Submission.objects.filter(consultation=consultation, organisation=membership.organisation)
        .exclude(status=Submission.Status.WITHDRAWN)
        .order_by("pk")
        .first()
    )
    if existing:
        return existing
    submission = Submission(consultation=consultation, organisation=membership.organisation, created_by=user)
    submission.full_clean()
    submission.save()
    return submission


# The fields of a response its submitter edits directly; review state, references and timestamps are not.
SUBMITTER_FIELDS = frozenset(
    {"summary", "proposals", "declared_interests", "confidentiality", "confidentiality_reason", "consent_to_publish"}
)


# The submitter's fields that the response's state history leaves out: its texts, kept by SubmissionVersion.
_UNAUDITED_FIELDS = SUBMITTER_FIELDS - {field.name for field in Submission.history.model._meta.fields}


@transaction.atomic
def submission_update(
    *,
    submission: Submission | None = None,
    by,
    data: dict[str, Any],
    now=None,
    expected: str | None = None,
    public_id=None,
) -> Submission:
    """Save one section's fields of the response (a draft save). With ``expected`` (the section's fingerprint
    when its form was loaded), refuse with EditConflict if those fields were saved differently since.

    ``public_id`` instead of ``submission``: the response of that id if it belongs to ``by``'s organisation
    (else Submission.DoesNotExist), checked as it is locked, so a draft save from the web reads it once."""
    if unknown := set(data) - SUBMITTER_FIELDS:
        raise ValueError(f"Not editable by a submitter: {', '.join(sorted(unknown))}")
    submission = _locked(submission.pk) if submission is not None else _locked_for(by, public_id)
    ensure_editable(submission, now)
    _check_unchanged(submission_values(submission, data), expected, data)
    before = {field: getattr(submission, field) for field in SUBMITTER_FIELDS}
    for field, value in data.items():
        setattr(submission, field, value)
    if submission.confidentiality != Submission.Confidentiality.CONFIDENTIAL:
        submission.confidentiality_reason = ""
    if "confidentiality" in data and (
        errors := confidentiality_errors(
            confidentiality=submission.confidentiality,
            reason=submission.confidentiality_reason,
            consent=submission.consent_to_publish,
        )
    ):
        raise ValidationError(errors, code="confidentiality")
    changed = sorted(field for field in SUBMITTER_FIELDS if getattr(submission, field) != before[field])
    if not changed:
        return submission  # saving an unchanged page writes nothing and adds no history
    # Only the submitter's own fields changed: validate those (no constraint involves them).
    submission.full_clean(exclude=[f.name for f in Submission._meta.fields if f.name not in SUBMITTER_FIELDS])
    state_changed = bool(set(changed) - _UNAUDITED_FIELDS)
    if submission.status == Submission.Status.SUBMITTED and not submission.has_unsubmitted_changes:
        submission.has_unsubmitted_changes = True
        state_changed = True
    # The state history audits status and review changes, not text (SubmissionVersion keeps the text as
    # submitted): a save that changes only the texts adds no row, or every draft save would add one that
    # repeats the last.
    save = submission.save if state_changed else submission.save_without_historical_record
    save(update_fields=[*changed, "has_unsubmitted_changes", "updated_at"])
    return submission


@transaction.atomic
def answers_section_save(
    *, submission: Submission, by, answers: dict[int, str], proposals: str, now=None, expected: str | None = None
) -> None:
    """Save the answers page (answers and proposals) as one change, refused with EditConflict if the page
    was saved differently since its form was loaded (``expected``)."""
    submission = _locked(submission.pk)
    ensure_editable(submission, now)
    incoming: dict[str, Any] = {f"q{pk}": (text or "").strip() for pk, text in answers.items()}
    incoming["proposals"] = proposals.strip()
    _check_unchanged(answers_values(submission), expected, incoming)
    answers_save(submission=submission, by=by, answers=answers, now=now)
    submission_update(submission=submission, by=by, data={"proposals": proposals.strip()}, now=now)


@transaction.atomic
def answers_save(*, submission: Submission, by, answers: dict[int, str], now=None) -> None:
    """Save answers by question id; an empty answer removes the saved one."""
    submission = _locked(submission.pk)
    ensure_editable(submission, now)
    questions = {q.pk: q for q in submission.consultation.questions.all()}
    existing = {a.question_id: a for a in submission.answers.all()}
    for question_id, text in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise ValidationError("That question is not part of this call for evidence.")
        text = (text or "").strip()
        answer = existing.get(question_id)
        if not text:
            if answer:
                answer.delete()
            continue
        words = len(text.split())
        if words > question.word_limit:
            raise ValidationError(
                f"Your answer to “{question.text}” has {words} words; the limit is {question.word_limit}."
            )
        if answer is None:
            answer = Answer(submission=submission, question=question)
        answer.text = text
        answer.full_clean()
        answer.save()
    _touch(submission)


@transaction.atomic
def data_point_save(
    *, submission: Submission, by, data_point: DataPoint, now=None, expected: str | None = None
) -> DataPoint:
    """Add or change a data point; a change is refused with EditConflict if the data point was saved
    differently since its form was loaded (``expected``)."""
    submission = _locked(submission.pk)
    ensure_editable(submission, now)
    if data_point.pk and data_point.submission_id != submission.pk:
        raise ValidationError("That data point belongs to another response.")
    if data_point.pk:
        saved = DataPoint.objects.filter(pk=data_point.pk).first()
        if saved is None:
            raise ValidationError(
                "This data point was removed (in another tab or by a colleague) after you opened it. "
                "Add it again if you still need it: your figures are still in the form."
            )
        _check_unchanged(data_point_values(saved), expected, data_point_values(data_point))
    data_point.submission = submission
    if data_point.indicator_id and not data_point.indicator.fits_unit(data_point.unit):
        accepted = ", ".join(f"“{u}”" for u in data_point.indicator.accepted_units())
        message = f"“{data_point.unit}” does not fit {data_point.indicator.name}; use {accepted}."
        raise ValidationError({"unit": message})
    data_point.full_clean()
    data_point.save()
    _touch(submission)
    return data_point


@transaction.atomic
def data_point_delete(*, data_point: DataPoint, by, now=None) -> None:
    submission = _locked(data_point.submission_id)
    ensure_editable(submission, now)
    data_point.delete()
    _touch(submission)


def attachment_add(*, submission: Submission, upload: UploadedFile, by, description: str = "", now=None) -> Attachment:
    """Check and store an uploaded file, then queue its text extraction."""
    inspected = inspect_upload(upload)  # reads the whole file: before taking any row lock
    attachment = Attachment(
        original_name=inspected.original_name,
        kind=inspected.kind,
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        description=description.strip(),
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            submission = _locked(submission.pk)
            ensure_editable(submission, now)
            limit = settings.MMIP_UPLOADS_PER_SUBMISSION
            if submission.attachments.count() >= limit:
                raise ValidationError(
                    f"A response can have at most {limit} attachments; remove one before adding another."
                )
            if submission.attachments.filter(sha256=inspected.sha256).exists():
                raise ValidationError("This file is already attached to your response.")
            attachment.submission = submission
            upload.seek(0)
            attachment.file.save(inspected.original_name, upload, save=False)
            attachment.full_clean()
            attachment.save()
            _touch(submission)
            outbox.enqueue("evidence.tasks.extract_attachment_text", attachment_id=attachment.pk)
    except BaseException:
        # Nothing half-saved: a file written before the transaction failed is removed again.
        if attachment.file.name:
            attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by, now=None) -> None:
    submission = _locked(attachment.submission_id)
    ensure_editable(submission, now)
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    _touch(submission)
    transaction.on_commit(lambda: storage.delete(stored))


def submission_blockers(submission: Submission, *, has_answers: bool | None = None) -> list[tuple[str, str]]:
    """What stops a response being submitted: (message, the name of the page that fixes it). ``has_answers``
    saves the query when the caller has read the answers already."""
    blockers = []
    if not submission.summary.strip():
        blockers.append(("Enter a summary of your evidence.", "evidence:section_about"))
    if has_answers is None:
        has_answers = submission.answers.exists()
    if not has_answers and not submission.proposals.strip():
        blockers.append(("Answer at least one question or say what should change.", "evidence:section_answers"))
    errors = confidentiality_errors(
        confidentiality=submission.confidentiality,
        reason=submission.confidentiality_reason,
        consent=submission.consent_to_publish,
    )
    blockers += [(message, "evidence:section_confidentiality") for message in errors.values()]
    return blockers


def submission_problems(submission: Submission, *, has_answers: bool | None = None) -> list[str]:
    """What stops a response being submitted, in words (empty when it is ready)."""
    return [message for message, _ in submission_blockers(submission, has_answers=has_answers)]


# What a snapshot copies of the response's answers, figures and files: three statements the ORM writes once
# per thread (mmip/fixedquery.py), since every submit runs them (building each anew cost more CPU than the
# submit's round trips). Each in its list's order: answers by question, figures and files as entered.
SNAPSHOT_ANSWERS = FixedQuery(
    lambda submission_id: Answer.objects.filter(submission_id=submission_id).values_list(
        "question__text", "question__component__name", "text"
    )
)
SNAPSHOT_DATA_POINTS = FixedQuery(
    lambda submission_id: DataPoint.objects.filter(submission_id=submission_id).values_list(
        "indicator_id",
        "indicator__name",
        "other_indicator",
        "value",
        "unit",
        "period_start",
        "period_end",
        "geography__name",
        "source",
    )
)
SNAPSHOT_ATTACHMENTS = FixedQuery(
    lambda submission_id: Attachment.objects.filter(submission_id=submission_id).values_list(
        "original_name", "sha256", "size"
    )
)


def snapshot(submission: Submission, *, answers=None) -> dict[str, Any]:
    """A plain copy of the response as submitted, kept in SubmissionVersion (``answers``: already read by
    SNAPSHOT_ANSWERS)."""
    if answers is None:
        answers = SNAPSHOT_ANSWERS(submission.pk)
    return {
        "reference": submission.reference,
        "organisation": submission.organisation.name,
        "summary": submission.summary,
        "proposals": submission.proposals,
        "declared_interests": submission.declared_interests,
        "confidentiality": submission.confidentiality,
        "confidentiality_reason": submission.confidentiality_reason,
        "consent_to_publish": submission.consent_to_publish,
        "answers": [
            {"question": question, "component": component or "", "text": text} for question, component, text in answers
        ],
        "data_points": [
            {
                "indicator": indicator_name if indicator_id else other_indicator,
                "value": str(value),
                "unit": unit,
                "period": period_label(start, end),
                "geography": geography,
                "source": source,
            }
            for indicator_id, indicator_name, other_indicator, value, unit, start, end, geography, source in (
                SNAPSHOT_DATA_POINTS(submission.pk)
            )
        ],
        "attachments": [
            {"name": name, "sha256": sha256, "size": size} for name, sha256, size in SNAPSHOT_ATTACHMENTS(submission.pk)
        ],
    }


def _take_reference_number(consultation_id: int) -> int:
    """The consultation's next reference number. The UPDATE locks the consultation's row until the
    transaction ends, so numbers are gap-free (a submit that rolls back gives its number back) and
    submits number one at a time: the caller takes it as the last step before committing."""
    table = Consultation._meta.db_table
    with connection.cursor() as cursor:
        # RETURNING (PostgreSQL, SQLite 3.35+): the increment and its result in one statement.
        cursor.execute(
            f'UPDATE "{table}" SET last_reference_number = last_reference_number + 1 '  # nosec B608: our table name
            "WHERE id = %s RETURNING last_reference_number",
            [consultation_id],
        )
        return cursor.fetchone()[0]


@transaction.atomic
def submission_submit(
    *, submission: Submission | None = None, by, now: dt.datetime | None = None, site_url: str = "", public_id=None
) -> Submission:
    """Submit (or re-submit an amended) response: reference, version snapshot, receipt.

    Idempotent: submitting an unchanged submitted response returns it as it is, so a double click, a
    refresh or a second tab never makes a second reference or a second receipt.

    Submits do not queue behind each other: everything is read, checked and queued while only the
    response's own row is locked; the consultation's row (the reference counter) is locked last, for the
    counter's UPDATE, the response's UPDATE, its history and version INSERTs, and the commit. An amended
    response keeps its reference and never locks the consultation.

    ``public_id`` instead of ``submission``: the response of that id if it belongs to ``by``'s organisation
    (else Submission.DoesNotExist), checked as it is locked, so a submit from the web reads it once.
    """
    now = now or timezone.now()
    # Only the response's row is locked (FOR UPDATE OF): its consultation and organisation are read in
    # the same statement without locking them.
    if submission is not None:
        submission = (
            Submission.objects.without_search()
            .select_for_update(of=("self",))
            .select_related("consultation", "organisation")
            .get(pk=submission.pk)
        )
    else:
        submission = _locked_for(by, public_id)
    if submission.status == Submission.Status.SUBMITTED and not submission.has_unsubmitted_changes:
        return submission
    ensure_editable(submission, now)
    answers = SNAPSHOT_ANSWERS(submission.pk)
    problems = submission_problems(submission, has_answers=bool(answers))
    if problems:
        raise ValidationError(problems)
    # Queued first: the receipt and indexing need no reference, and the consultation's lock comes last. One
    # task: the fast worker queues the analysis and sends the receipt (evidence.tasks.submitted).
    # ``site_url``: where the submitter reached the site (for the receipt's link when MMIP_SITE_URL is unset).
    receipt = {"site_url": site_url} if site_url else {}
    outbox.enqueue("evidence.tasks.submitted", submission_id=submission.pk, version=submission.version + 1, **receipt)
    record_submission(submission=submission, consultation=submission.consultation, by=by, when=now, answers=answers)
    return submission


def record_submission(
    *, submission: Submission, consultation: Consultation, by, when: dt.datetime, answers=None
) -> None:
    """Mark a checked response submitted at ``when``: its reference (the first time), a new version with
    its snapshot. The caller queues what follows (receipt, indexing) inside its transaction; the web
    journey and imports both come here. The reference number is taken last (``_take_reference_number``
    locks the consultation's row until the commit), after the snapshot's reads."""
    submission.status = Submission.Status.SUBMITTED
    submission.submitted_at = when
    submission.version += 1
    submission.has_unsubmitted_changes = False
    # The submitter's fields were validated as they were saved; the consultation's row lock makes the
    # reference unique, and the database's constraints stay as the backstop.
    # Neither the search fields, left unread (``without_search``), nor the rows already read are checked.
    related = [f.name for f in Submission._meta.fields if f.is_relation]
    submission.full_clean(exclude=[*related, *SEARCH_FIELDS], validate_unique=False, validate_constraints=False)
    content = snapshot(submission, answers=answers)
    # Only the columns a submit changes: the response's texts and its search document and vector (the
    # largest values of the row, parsed again by PostgreSQL if sent back) stay as they are.
    changed = ["status", "submitted_at", "version", "has_unsubmitted_changes", "updated_at"]
    if not submission.reference:
        submission.reference_number = _take_reference_number(consultation.pk)
        submission.reference = consultation.format_reference(submission.reference_number)
        submission.first_submitted_at = when
        consultation.last_reference_number = submission.reference_number
        changed += ["reference_number", "reference", "first_submitted_at"]
    content["reference"] = submission.reference
    submission.save(update_fields=changed)
    SubmissionVersion.objects.create(submission=submission, number=submission.version, snapshot=content, created_by=by)


@transaction.atomic
def submission_withdraw(*, submission: Submission, by, now: dt.datetime | None = None) -> Submission:
    submission = _locked(submission.pk)
    if submission.status == Submission.Status.WITHDRAWN:
        return submission
    ensure_open(submission.consultation, now)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("Only a submitted response can be withdrawn; a draft can simply be left.")
    submission.status = Submission.Status.WITHDRAWN
    submission.withdrawn_at = now or timezone.now()
    submission.full_clean()
    submission.save()
    return submission
