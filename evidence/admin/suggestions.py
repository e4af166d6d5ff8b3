"""The suggestions panel on the submission page: candidate asks and stances, each with one-click accept or
reject (buttons that post to ``suggestion_decide_view``). Blind between rounds, and a commercially
confidential response's text is withheld from those without the permission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import suggestions
from ..models import Submission, Suggestion
from .confidentiality import WITHHELD, viewer_of, withheld


def panel(submission: Submission) -> str:
    viewer = viewer_of(submission)
    if viewer is None or viewer.withheld:
        return WITHHELD  # fails closed: no viewer on the object, or one without the permission
    rows = suggestions.visible(viewer.user, submission)
    if not rows:
        return "No suggestions: no ask sentences or stance cues were found."

    def buttons(s: Suggestion, decision) -> str:
        if decision is not None:
            return format_html("<em>{}</em>", decision.get_decision_display())
        url = lambda action: reverse("admin:evidence_submission_suggestion", args=[submission.pk, s.pk, action])  # noqa: E731
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">Accept</button> '
            '<button type="submit" class="button" formaction="{}" formmethod="post">Reject</button>',
            url("accept"),
            url("reject"),
        )

    def what(s: Suggestion) -> str:
        if s.kind == Suggestion.Kind.STANCE:
            return format_html("Stance on <strong>{}</strong>: {}", s.component, s.get_stance_display())
        where = s.component.name if s.component_id else "attachment (component: your primary tag)"
        return format_html("Ask ({}): “{}”", where, s.text)

    return format_html(
        "<p>Suggested by the app from cue words; nothing counts until you accept it (accepting an ask adds an "
        "ask excerpt; accepting a stance sets it on your component tag).</p>"
        "<table><tr><th>suggestion</th><th>why</th><th>your decision</th></tr>{}</table>",
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((what(s), s.cues or "–", buttons(s, d)) for s, d in rows),
        ),
    )


def decide_view(admin, request, pk: int, sid: int, action: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("evidence.review_submission") or action not in {"accept", "reject"}:
        raise PermissionDenied
    submission = get_object_or_404(admin.get_queryset(request), pk=pk)
    if withheld(request, submission):
        raise PermissionDenied
    suggestion = get_object_or_404(Suggestion, pk=sid, submission=submission)
    try:
        suggestions.suggestion_decide(suggestion=suggestion, by=request.user, accept=action == "accept")
    except ValidationError as error:
        admin.message_user(request, " ".join(error.messages), messages.ERROR)
    else:
        admin.message_user(request, f"Suggestion {'accepted' if action == 'accept' else 'rejected'}.")
    return redirect("admin:evidence_submission_change", submission.pk)
