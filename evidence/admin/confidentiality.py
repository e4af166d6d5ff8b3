"""Who is looking at a response in the admin, and what they may see of it.

Commercially confidential content needs its own permission. The admin's read-only displays receive only the
object, so the facts about the viewer travel with the object: ``attach_viewer`` is called per request on the
object that request loaded (``SubmissionAdmin.get_form``). Nothing per-request is ever stored on a ModelAdmin,
which is one instance shared by every thread. A display that finds no viewer withholds (fails closed).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from ..models import Submission

WITHHELD = "Commercial in confidence – withheld (you do not have permission to see confidential evidence)."
CONFIDENTIAL_PERMISSION = "evidence.view_confidential"
_VIEWER = "_admin_viewer"


def sees_confidential(request: HttpRequest) -> bool:
    return request.user.has_perm(CONFIDENTIAL_PERMISSION)


def withheld(request: HttpRequest, submission: Submission) -> bool:
    return submission.is_confidential and not sees_confidential(request)


@dataclass(frozen=True)
class Viewer:
    user: object
    sees_confidential: bool
    # Confidential in the version shown OR now: a history page shows an old version (every web response
    # starts publishable) beside today's answers, so either makes the page confidential.
    confidential: bool

    @property
    def withheld(self) -> bool:
        return self.confidential and not self.sees_confidential


def attach_viewer(submission: Submission, request: HttpRequest, *, current: bool) -> Viewer:
    """Record on this request's object who is looking. ``current`` says the object is the row as it is now
    (not a historical version), so its confidentiality needs no second look."""
    sees = sees_confidential(request)
    confidential = submission.is_confidential
    if not confidential and not sees and not current:
        confidential = Submission.objects.filter(
            pk=submission.pk, confidentiality=Submission.Confidentiality.CONFIDENTIAL
        ).exists()
    viewer = Viewer(user=request.user, sees_confidential=sees, confidential=confidential)
    setattr(submission, _VIEWER, viewer)
    return viewer


def viewer_of(submission: Submission) -> Viewer | None:
    return getattr(submission, _VIEWER, None)


def withheld_from_viewer(submission: Submission) -> bool:
    """For read-only displays: withhold unless the object carries a viewer allowed to see it."""
    viewer = viewer_of(submission)
    if viewer is None:
        return True
    return viewer.withheld
