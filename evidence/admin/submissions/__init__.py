"""The reviewers' submission pages in the admin: the changelist (columns, filters, search) and the change page.

SubmissionAdmin is put together from parts that each read alone:

- ``displays``: the read-only columns and panels (the response, data points, files, duplicates, audit trail);
- ``changes``: the review form and how a save applies inlines and the state change, through ``evidence.review``;
- ``actions``: the changelist's bulk actions and CSV export;
- ``history``: the response's history pages;
- ``dual_review``: agreement between the rounds and resolving a disagreement.

This module holds what is left: the configuration, the querysets, search and which lookups are allowed.
"""

from __future__ import annotations

import re

from django.contrib import admin
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from ... import review, search
from ...models import ComponentTag, DuplicateFlag, ReviewAssignment, ReviewRound, Submission
from .. import suggestions as suggestion_panel
from ..confidentiality import sees_confidential
from ..filters import (
    ComponentFilter,
    DuplicateFilter,
    GradeFilter,
    MyQueueFilter,
    OrganisationTypeFilter,
    RegionFilter,
    ReviewerFilter,
    StateFilter,
)
from ..review import AssignmentInline, ComponentTagInline, ExcerptInline
from .actions import BulkActions, ReviewActionForm
from .changes import ReviewForm, ReviewSaving
from .displays import SubmissionDisplays
from .dual_review import DualReviewPages
from .history import SubmissionHistory

__all__ = ["ReviewActionForm", "ReviewForm", "SubmissionAdmin"]

REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d+")
# A search ranks at most this many matches, the newest (ranking reads each match's search vector: a
# common word over 100,000 responses would rank tens of thousands to show 50); the page says so.
SEARCH_RANK_WITHIN = 1000

# --- The submission page --------------------------------------------------------------------------------

# Text fields that may be filtered on by anyone: a reference is not confidential content.
_OPEN_TEXT_FIELDS = {"reference"}


def _is_text_lookup(model, lookup: str) -> bool:
    """Does this changelist lookup read free text (a text field, or a relation's)?"""
    from django.contrib.postgres.search import SearchVectorField
    from django.core.exceptions import FieldDoesNotExist

    opts = model._meta
    for part in lookup.split("__"):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
            continue
        if isinstance(field, (models.CharField, models.TextField, models.JSONField, SearchVectorField)):
            return not field.choices and not (opts.model is model and field.name in _OPEN_TEXT_FIELDS)
        return False
    return False


@admin.register(Submission)
class SubmissionAdmin(
    SubmissionDisplays, ReviewSaving, BulkActions, DualReviewPages, SubmissionHistory, SimpleHistoryAdmin
):
    form = ReviewForm

    class Media:
        # Select-to-excerpt and the layout of the tags and excerpts at 1280 px.
        css = {"all": ["css/admin-workbench.css"]}
        js = ["js/admin-excerpts.js"]

    list_display = [
        "reference",
        "organisation_name",
        "organisation_type",
        "region",
        "state",
        "confidentiality_badge",
        "reviewers_list",
        "components_list",
        "flags",
        "first_submitted_at",
    ]
    list_display_links = ["reference"]
    list_filter = [
        MyQueueFilter,
        "consultation",
        StateFilter,
        ComponentFilter,
        GradeFilter,
        OrganisationTypeFilter,
        RegionFilter,
        "confidentiality",
        "channel",
        ReviewerFilter,
        DuplicateFilter,
        "has_disagreement",
        "needs_dual_review",
    ]
    search_fields = ["reference"]
    search_help_text = "Full text of summaries, answers, proposals and attachments; or a reference."
    list_per_page = 50
    # "N of 100,000" needs a second COUNT(*) over the whole table on every page; the filtered count is enough.
    show_full_result_count = False
    inlines = [AssignmentInline, ComponentTagInline, ExcerptInline]
    readonly_fields = [
        "reference",
        "status",
        "review_state_notice",
        "exclusion_reason",
        "organisation_details",
        "arrived",
        "confidentiality_notice",
        "response_text",
        "data_points_table",
        "attachments_list",
        "duplicate_flags",
        "dual_review",
        "suggestions_panel",
        "audit_trail",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "organisation_details", "arrived", "confidentiality_notice"]}),
        ("Review", {"fields": ["review_state_notice", "exclusion_reason", "move_to", "reason", "dual_review"]}),
        ("Response", {"fields": ["response_text", "data_points_table", "attachments_list"]}),
        ("Suggestions (asks and stance)", {"fields": ["suggestions_panel"]}),
        ("Duplicates and campaigns", {"fields": ["duplicate_flags"]}),
        ("Audit trail", {"classes": ["collapse"], "fields": ["audit_trail"]}),
    ]

    # -- querysets: constant queries whatever the number of rows and tags --
    def get_queryset(self, request):
        flags = DuplicateFlag.objects.filter(submission=OuterRef("pk")).exclude(status=DuplicateFlag.Status.REJECTED)
        return (
            super()
            .get_queryset(request)
            .exclude(status=Submission.Status.DRAFT)
            .select_related("consultation", "organisation__organisation_type", "organisation__region")
            .prefetch_related(
                Prefetch(
                    "tags",
                    queryset=ComponentTag.objects.filter(round=ReviewRound.FIRST).select_related("component"),
                    to_attr="first_tags",
                ),
                Prefetch("assignments", queryset=ReviewAssignment.objects.select_related("reviewer")),
            )
            # Subqueries, not a JOIN with GROUP BY: the page's LIMIT then applies before any counting, and
            # the changelist's COUNT(*) can drop them (both matter at 100,000 rows).
            .annotate(
                flag_count=Coalesce(
                    Subquery(flags.order_by().values("submission").annotate(n=Count("pk")).values("n")[:1]), 0
                ),
                is_flagged=Exists(flags),
                first_round_blind=ExpressionWrapper(
                    review.blind_to_first_round(request.user), output_field=BooleanField()
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # A reference ("MMIP-0042", "mmip-0042") is looked up by itself, through the index on
        # UPPER(reference); any other text goes to the full-text search only.
        if REFERENCE.fullmatch(term):
            by_reference = queryset.filter(reference__iexact=term)
            if by_reference.exists():
                return by_reference, False
        searchable = (
            queryset
            if sees_confidential(request)
            else queryset.exclude(confidentiality=Submission.Confidentiality.CONFIDENTIAL)
        )
        return search.search(searchable, term, rank_within=SEARCH_RANK_WITHIN), False

    def has_add_permission(self, request):
        return False  # responses come from submitters

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def lookup_allowed(self, lookup, value, request):
        # Filtering the changelist on a text field (?summary__icontains=…) would tell a reviewer without the
        # confidential-evidence permission what a confidential response says, one guess at a time. The
        # search box applies the rule itself (get_search_results); URL lookups on text are refused.
        if not sees_confidential(request) and _is_text_lookup(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    # -- extra pages --
    def get_urls(self):
        return [
            path(
                "agreement/",
                self.admin_site.admin_view(self.agreement_view),
                name="evidence_submission_agreement",
            ),
            path(
                "<int:pk>/suggestions/<int:sid>/<str:action>/",
                self.admin_site.admin_view(lambda request, **kw: suggestion_panel.decide_view(self, request, **kw)),
                name="evidence_submission_suggestion",
            ),
            path(
                "<int:pk>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="evidence_submission_resolve",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["my_queue_url"] = f"{reverse('admin:evidence_submission_changelist')}?queue=mine"
        extra_context["agreement_url"] = reverse("admin:evidence_submission_agreement")
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and changelist.query and changelist.result_count >= SEARCH_RANK_WITHIN:
            response.context_data["search_capped"] = SEARCH_RANK_WITHIN
        return response
