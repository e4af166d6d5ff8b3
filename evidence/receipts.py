"""The receipt e-mailed to a submitter each time a response is submitted."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Submission


def receipt_context(submission: Submission, version: int) -> dict:
    return {
        "submission": submission,
        "version": version,
        "amended": version > 1,
        "answers": list(submission.answers.select_related("question__component")),
        "data_points": list(submission.data_points.select_related("indicator", "geography")),
        "attachments": list(submission.attachments.all()),
        "site_url": settings.MMIP_SITE_URL.rstrip("/"),
    }


def submission_send_receipt(*, submission_id: int, version: int) -> bool:
    """Send the receipt for ``version`` of a response once. Returns False when there is nothing to send.

    The row lock makes a second delivery of the same task wait, then see the receipt recorded.
    """
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("organisation", "consultation", "created_by")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None or submission.receipt_version >= version or submission.version < version:
            return False
        context = receipt_context(submission, version)
        subject = render_to_string("emails/receipt-subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("emails/receipt-body.txt", context),
            to=[submission.created_by.email],
        )
        message.attach_alternative(render_to_string("emails/receipt-body.html", context), "text/html")
        message.send()
        submission.receipt_version = version
        submission.receipt_sent_at = timezone.now()
        submission.save(update_fields=["receipt_version", "receipt_sent_at"])
    return True
