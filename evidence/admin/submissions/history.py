"""The response's history pages (django-simple-history): the same rows and the same rules as the change page.

The history of a response is more than its own row: its coding (component tags, excerpts) and assignments
live in rows of their own, with their own history. ``trail`` gathers them into one list, newest first, blind
between review rounds and without confidential quotes for a viewer who may not see them; the change page's
audit trail and the history page both show it.

There is no "Revert": a version of the response's row holds only its state, and putting a state back
without its coding would bypass the review rules (a response "reviewed" with no tags). A change is undone
the way it was made, on the change page, through the review services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed

from ... import review
from ...models import ComponentTag, DuplicateFlag, EcosystemComponent, Excerpt, ReviewAssignment
from ..confidentiality import Viewer, attach_viewer


@dataclass(frozen=True)
class TrailRow:
    when: object
    who: object
    change: str
    what: str


_TAG_FIELDS = {"component_id": "component", "grade": "grade", "stance": "stance", "relevance": "relevance"}
_EXCERPT_FIELDS = {"component_id": "component", "kind": "kind", "text": "quote", "note": "note"}


def _changes(record, previous, fields: dict[str, str], names: dict[int, str], withheld: bool) -> str:
    """What a "changed" record changed, from the record before it: "grade C → B, stance none → supports"."""
    if previous is None:
        return ""
    parts = []
    for attname, label in fields.items():
        old, new = getattr(previous, attname), getattr(record, attname)
        if old == new:
            continue
        if withheld and label in {"quote", "note"}:
            parts.append(f"{label} changed")
        elif attname == "component_id":
            parts.append(f"{label} {names.get(old)} → {names.get(new)}")
        else:
            parts.append(f"{label} {str(old)[:40] or '—'} → {str(new)[:40] or '—'}")
    return "; ".join(parts)


def trail(obj, viewer: Viewer, *, coding_only: bool = False) -> list[TrailRow]:
    """Every change to this response and its review rows that ``viewer`` may see, newest first."""
    rounds = review.visible_rounds(viewer.user, obj)
    names = dict(EcosystemComponent.objects.values_list("pk", "name"))
    rows: list[TrailRow] = []

    def gather(model, describe, fields=None):
        records = model.history.filter(submission_id=obj.pk).select_related("history_user").order_by("history_date")
        if model in (ComponentTag, Excerpt):
            records = records.filter(round__in=rounds)
        last = {}
        for record in records:
            what = describe(record)
            if fields and record.history_type == "~":
                changed = _changes(record, last.get(record.id), fields, names, viewer.withheld)
                what = f"{what} ({changed})" if changed else what
            last[record.id] = record
            rows.append(
                TrailRow(record.history_date, record.history_user or "system", record.get_history_type_display(), what)
            )

    def excerpt(r):
        quote = "" if viewer.withheld else f" “{r.text[:60]}”"
        kind = f" [{r.get_kind_display()}]" if r.kind else ""
        return f"excerpt{quote}{kind} for {names.get(r.component_id)} ({r.round} round)"

    gather(
        ComponentTag,
        lambda r: (
            f"tag {names.get(r.component_id)}: grade {r.grade}, {r.relevance} ({r.round} round), stance {r.stance}"
        ),
        _TAG_FIELDS,
    )
    gather(Excerpt, excerpt, _EXCERPT_FIELDS)
    if not coding_only:
        gather(ReviewAssignment, lambda r: f"assignment: {r.round} round, {r.status}")
        gather(DuplicateFlag, lambda r: f"{r.kind} flag ({r.similarity:.2f}): {r.status}")
        for record in obj.history.all().select_related("history_user"):
            reason = f" ({record.exclusion_reason})" if record.exclusion_reason else ""
            rows.append(
                TrailRow(
                    record.history_date,
                    record.history_user or "system",
                    record.get_history_type_display(),
                    f"response: status {record.status}, review {record.review_state}{reason}",
                )
            )
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


class SubmissionHistory:
    """Mixed into SubmissionAdmin (before SimpleHistoryAdmin, whose views it narrows)."""

    object_history_template = "admin/evidence/submission/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        # Drafts and unknown ids are a 404 here as on the change page (get_queryset leaves drafts out).
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such response.")
        viewer = attach_viewer(obj, request, current=True)
        extra_context = {**(extra_context or {}), "coding_trail": trail(obj, viewer, coding_only=True)}
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit() or self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such response or version.")
        if request.method != "GET":
            # A version is shown, never put back (see the module's docstring).
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
