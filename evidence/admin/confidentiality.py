"""Who may see commercially confidential evidence, and what is shown instead."""

from __future__ import annotations

from django.http import HttpRequest

from ..models import Submission

WITHHELD = "Commercial in confidence – withheld (you do not have permission to see confidential evidence)."


def sees_confidential(request: HttpRequest) -> bool:
    return request.user.has_perm("evidence.view_confidential")


def withheld(request: HttpRequest, submission: Submission) -> bool:
    return submission.is_confidential and not sees_confidential(request)
