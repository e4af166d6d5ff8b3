"""The receipt e-mailed to a submitter each time a response is submitted (sent by a Celery task).

A receipt describes the version that was submitted (its ``SubmissionVersion`` snapshot), not the response
as it is when the worker gets round to it: after a broker outage the submitter may already be amending.
"""

from __future__ import annotations

import functools
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from mmip.fixedquery import Columns, FixedQuery, columns, load, lookups

from .models import Consultation, Organisation, Submission, SubmissionVersion

log = logging.getLogger(__name__)


def _number(value) -> str:
    """'1200.0000' → '1200', '2.5000' → '2.5': snapshots keep the database's four decimal places."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):f}"
    return f"{number.normalize():f}"


DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    """The site's address for links in e-mails: MMIP_SITE_URL when set (always in production), else the
    address the request came to (development), else the development server's."""
    if settings.MMIP_SITE_URL:
        return settings.MMIP_SITE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT_SITE_URL


def receipt_context(version: SubmissionVersion, site: str = "") -> dict:
    submission = version.submission
    snapshot = version.snapshot
    confidentiality = snapshot.get("confidentiality", submission.confidentiality)
    try:
        confidentiality_label = Submission.Confidentiality(confidentiality).label
    except ValueError:
        confidentiality_label = confidentiality
    return {
        "reference": snapshot.get("reference") or submission.reference,
        "organisation": snapshot.get("organisation") or submission.organisation.name,
        "consultation": submission.consultation,
        "version": version.number,
        "amended": version.number > 1,
        "submitted_at": version.created_at,
        "summary": snapshot.get("summary", ""),
        "proposals": snapshot.get("proposals", ""),
        "confidentiality": confidentiality_label,
        "is_confidential": confidentiality == Submission.Confidentiality.CONFIDENTIAL,
        "consent_to_publish": bool(snapshot.get("consent_to_publish")),
        "answers": [
            {
                "question": a.get("question", ""),
                "component": a.get("component", ""),
                "words": len(a.get("text", "").split()),
            }
            for a in snapshot.get("answers", [])
        ],
        "data_points": [{**d, "value": _number(d.get("value", ""))} for d in snapshot.get("data_points", [])],
        "attachments": snapshot.get("attachments", []),
        "url": (site or site_url()).rstrip("/") + submission.get_absolute_url(),
    }


def receipt_message(version: SubmissionVersion, site: str = "") -> EmailMultiAlternatives:
    """The receipt for one submitted version: plain text with an HTML alternative."""
    context = receipt_context(version, site)
    subject = " ".join(render_to_string("emails/receipt-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/receipt-body.txt", context),
        to=[version.created_by.email],
    )
    message.attach_alternative(render_to_string("emails/receipt-body.html", context), "text/html")
    return message


# What a receipt reads: the version, and of its response, organisation, consultation and submitter only what
# receipt_context, the templates and the checks below use.
@functools.cache
def _receipt_layout() -> tuple[Columns, ...]:
    return (
        columns(SubmissionVersion),
        columns(
            Submission,
            "submission__",
            ["public_id", "reference", "confidentiality", "receipt_version", "organisation", "consultation"],
        ),
        columns(Organisation, "submission__organisation__", ["name"]),
        columns(Consultation, "submission__consultation__", ["title", "closes_at"]),
        columns(get_user_model(), "created_by__", ["email"]),
    )


# One statement, built once per worker thread (mmip/fixedquery.py): the version's row locked (not its
# response's), with those columns of the others; not the response's texts, nor its search document and
# vector (with its attachments' text they can run to megabytes; a receipt reads the version's snapshot).
_RECEIPT = FixedQuery(
    lambda submission_id, number: (
        SubmissionVersion.objects.select_for_update(of=("self",))
        .filter(submission_id=submission_id, number=number)
        .order_by()
        .values_list(*lookups(_receipt_layout()))
    ),
    kinds=("int", "int"),
)


def _receipt_version(submission_id: int, number: int) -> SubmissionVersion | None:
    rows = _RECEIPT(submission_id, number)
    if not rows:
        return None
    version, submission, organisation, consultation, user = load(rows[0], _receipt_layout())
    Submission.organisation.field.set_cached_value(submission, organisation)
    Submission.consultation.field.set_cached_value(submission, consultation)
    SubmissionVersion.submission.field.set_cached_value(version, submission)
    SubmissionVersion.created_by.field.set_cached_value(version, user)
    return version


def submission_send_receipt(*, submission_id: int, version: int, site_url: str = "") -> bool:
    """Send the receipt for ``version`` of a response, once. Returns False when there is nothing to send.

    The version's row lock makes a second delivery of the same task wait for the first, then see the
    receipt recorded. The row is marked in the transaction that sends the mail, so a failed send (an SMTP
    error) records nothing and the task's retry sends it. Only a crash between a successful send and the
    commit can send a receipt twice. The response's own row is not locked while the mail goes out, so the
    submitter's edits never wait for the mail server.
    """
    with transaction.atomic():
        row = _receipt_version(submission_id, version)  # locked until the transaction ends
        if row is None:
            log.info("Receipt for submission %s v%s: no such version (deleted?), nothing sent", submission_id, version)
            return False
        if row.receipt_sent_at is not None:
            return False
        if row.submission.receipt_version > version:
            # A later version's receipt went out first (this task was delayed): an older one would confuse.
            return False
        if not row.created_by.email:
            log.warning("Receipt for %s v%s: the submitter has no e-mail address", row.submission, version)
            return False
        receipt_message(row, site_url).send()
        now = timezone.now()
        row.receipt_sent_at = now
        row.save(update_fields=["receipt_sent_at"])
        Submission.objects.filter(pk=submission_id, receipt_version__lt=version).update(
            receipt_version=version, receipt_sent_at=now
        )
    return True
