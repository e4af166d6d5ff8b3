"""Who may see which response and file. Anything a user may not see is a 404, never a 403, so that
ids of other organisations' responses cannot be probed."""

from __future__ import annotations

import uuid

from django.http import Http404

from .models import Attachment, Membership, Submission


def _organisation_id(user) -> int | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True).first()


def submission_for_user(user, public_id: uuid.UUID | str) -> Submission:
    """The response with this public id, if the user's organisation owns it; otherwise 404."""
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        raise Http404("No such response.")
    try:
        return Submission.objects.select_related("consultation", "organisation").get(
            public_id=public_id, organisation_id=organisation_id
        )
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise Http404("No such response.") from None


def can_review_attachment(user, attachment: Attachment) -> bool:
    """Staff who review evidence may open files; commercially confidential ones need the extra permission."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not user.has_perm("evidence.review_submission"):
        return False
    if attachment.submission.is_confidential:
        return user.has_perm("evidence.view_confidential")
    return True


def attachment_for_user(user, public_id: uuid.UUID | str) -> Attachment:
    """The file with this public id, if the user's organisation owns its response or the user may review
    it; otherwise 404."""
    if not user.is_authenticated:
        raise Http404("No such file.")
    try:
        attachment = Attachment.objects.select_related("submission").get(public_id=public_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such file.") from None
    if attachment.submission.organisation_id == _organisation_id(user):
        return attachment
    if can_review_attachment(user, attachment):
        return attachment
    raise Http404("No such file.")
