"""Fetching a submitter's objects: anything outside their organisation is a 404, never a 403, so ids
reveal nothing."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Attachment, Membership, Submission

REVIEW_PERMISSION = "evidence.review_submission"
CONFIDENTIAL_PERMISSION = "evidence.view_confidential"


def organisation_id_for(user) -> int | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user).values_list("organisation_id", flat=True).first()


def submission_for_user(user, public_id) -> Submission:
    """The response, if it belongs to the user's organisation (one query: a user has one membership)."""
    if not user.is_authenticated:
        raise Http404("No such response.")
    return get_object_or_404(
        Submission.objects.without_search().select_related("consultation", "organisation"),
        public_id=public_id,
        organisation__members__user=user,
    )


def can_review(user, submission: Submission) -> bool:
    """Staff reviewers see submitted evidence; confidential evidence needs its own permission."""
    if not (user.is_authenticated and user.is_staff and user.has_perm(REVIEW_PERMISSION)):
        return False
    if submission.status == Submission.Status.DRAFT:
        return False
    return not submission.is_confidential or user.has_perm(CONFIDENTIAL_PERMISSION)


def attachment_for_user(user, public_id) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("submission"), public_id=public_id)
    if attachment.submission.organisation_id == organisation_id_for(user):
        return attachment
    if can_review(user, attachment.submission):
        return attachment
    raise Http404("No such file.")
