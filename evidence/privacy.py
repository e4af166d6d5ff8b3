"""Personal data: erasure after the retention period, and subject access.

Erasure keeps the evidence (answers, data points, attachments, summaries, proposals) and its references,
but removes who sent it: respondents' names, e-mail addresses, job titles, declared interests, the names of
individuals responding for themselves, and their sign-in. Staff accounts are left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import (
    Consultation,
    Membership,
    Organisation,
    PassageBand,
    Submission,
    SubmissionVersion,
    TextFingerprint,
)

ERASED = "(erased)"

log = logging.getLogger(__name__)


@dataclass
class ErasureReport:
    users: int
    organisations: int
    submissions: int
    dry_run: bool


def erasure_due(consultation: Consultation) -> dt.datetime:
    return consultation.closes_at + dt.timedelta(days=settings.MMIP_RETENTION_DAYS)


@transaction.atomic
def erase_personal_data(
    *, consultation: Consultation, dry_run: bool = False, now: dt.datetime | None = None
) -> ErasureReport:
    now = now or timezone.now()
    if not consultation.has_closed(now):
        raise ValidationError(
            f"{consultation} is still open: personal data is kept until it closes and the retention period ends."
        )
    due = erasure_due(consultation)
    if now < due:
        raise ValidationError(
            f"The retention period ({settings.MMIP_RETENTION_DAYS} days after the close) ends on {due:%d %B %Y}; "
            "personal data cannot be erased before then."
        )
    submissions = Submission.objects.filter(consultation=consultation)
    User = get_user_model()
    users = User.objects.filter(pk__in=submissions.values("created_by"), is_staff=False, is_superuser=False)
    individuals = Organisation.objects.filter(
        pk__in=submissions.values("organisation"), organisation_type__is_individual=True
    )
    report = ErasureReport(
        users=users.count(), organisations=individuals.count(), submissions=submissions.count(), dry_run=dry_run
    )
    if dry_run:
        transaction.set_rollback(True)
        return report
    for user in users:
        EmailAddress.objects.filter(user=user).delete()
        user.username = f"erased-{user.pk}"
        user.email = f"erased-{user.pk}@erased.invalid"
        user.first_name = user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.save()
    Membership.objects.filter(user__in=users).update(job_title="")
    individuals.update(name=f"Individual respondent {ERASED}")
    # updated_at: a response's cached summary (evidence/summaries.py) is keyed by it.
    submissions.update(declared_interests="", confidentiality_reason="", updated_at=timezone.now())
    for version in SubmissionVersion.objects.filter(submission__in=submissions).select_related(
        "submission__organisation"
    ):
        snapshot = dict(version.snapshot)
        snapshot["declared_interests"] = ""
        snapshot["confidentiality_reason"] = ""
        if version.submission.organisation.organisation_type.is_individual:
            snapshot["organisation"] = f"Individual respondent {ERASED}"
        version.snapshot = snapshot
        version.save(update_fields=["snapshot"])
    # The duplicate index holds senders' names (sender_key); it is needed only while responses arrive.
    PassageBand.objects.filter(submission__in=submissions).delete()
    TextFingerprint.objects.filter(submission__in=submissions).delete()
    consultation.personal_data_erased_at = now
    consultation.save(update_fields=["personal_data_erased_at"])
    return report


def subject_access(*, email: str) -> dict:
    """Everything held about the person with this e-mail address, as plain data."""
    User = get_user_model()
    user = (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(pk__in=EmailAddress.objects.filter(email__iexact=email).values("user")).first()
    )
    if user is None:
        raise ValidationError(f"No account with the e-mail address {email}.")
    membership = (
        Membership.objects.select_related("organisation__organisation_type", "organisation__region")
        .filter(user=user)
        .first()
    )
    submissions = Submission.objects.filter(created_by=user).select_related("consultation", "organisation")
    return {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "is_active": user.is_active,
            "groups": list(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "organisation": {
            "name": membership.organisation.name,
            "type": membership.organisation.organisation_type.name,
            "size_band": membership.organisation.size_band,
            "region": membership.organisation.region.name,
            "job_title": membership.job_title,
        }
        if membership
        else None,
        "submissions": [
            {
                "consultation": s.consultation.title,
                "reference": s.reference,
                "status": s.status,
                "created_at": s.created_at.isoformat(),
                "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
                "summary": s.summary,
                "proposals": s.proposals,
                "declared_interests": s.declared_interests,
                "confidentiality": s.confidentiality,
                "confidentiality_reason": s.confidentiality_reason,
                "consent_to_publish": s.consent_to_publish,
                "answers": [
                    {"question": a.question.text, "text": a.text} for a in s.answers.select_related("question")
                ],
                "data_points": [
                    {
                        "indicator": d.indicator_name,
                        "value": str(d.value),
                        "unit": d.unit,
                        "period": d.period_label,
                        "source": d.source,
                    }
                    for d in s.data_points.select_related("indicator")
                ],
                "attachments": [
                    {"name": a.original_name, "size": a.size, "sha256": a.sha256} for a in s.attachments.without_text()
                ],
                "versions": [{"number": v.number, "created_at": v.created_at.isoformat()} for v in s.versions.all()],
            }
            for s in submissions
        ],
    }


def erase_due_personal_data(*, now: dt.datetime | None = None) -> list[tuple[str, ErasureReport]]:
    """Erase the personal data of every consultation whose retention period has ended and that has not been
    erased yet (Celery beat, daily). Each erasure is logged; the consultations' slugs and reports returned."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MMIP_RETENTION_DAYS)
    done = []
    due = Consultation.objects.filter(personal_data_erased_at__isnull=True, closes_at__lte=cutoff).order_by("pk")
    for consultation in due:
        report = erase_personal_data(consultation=consultation, now=now)
        log.info(
            "Erased the personal data of consultation %s (closed %s, retention %s days): %s respondent "
            "account(s), %s individual respondent(s), %s response(s)",
            consultation.slug,
            consultation.closes_at.date().isoformat(),
            settings.MMIP_RETENTION_DAYS,
            report.users,
            report.organisations,
            report.submissions,
        )
        done.append((consultation.slug, report))
    if not done:
        log.info("Personal-data erasure: no consultation is due (retention %s days)", settings.MMIP_RETENTION_DAYS)
    return done
