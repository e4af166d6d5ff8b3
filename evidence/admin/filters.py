"""The filters of the submissions changelist: my queue, component, grade, reviewer, duplicates."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef

from .. import review
from ..models import ComponentTag, DuplicateFlag, EcosystemComponent, ReviewAssignment, ReviewRound

# --- Filters --------------------------------------------------------------------------------------------


def _not_blind(queryset, request):
    """Filtering on the first round's coding must not tell a second-round reviewer what the first round
    coded while their own round is open (blind dual review): those responses drop out of such filters."""
    return queryset.exclude(review.blind_to_first_round(request.user))


class MyQueueFilter(admin.SimpleListFilter):
    title = "my queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My open assignments"), ("mine_all", "Everything assigned to me")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(
                assignments__reviewer=request.user, assignments__status=ReviewAssignment.Status.ASSIGNED
            )
        if self.value() == "mine_all":
            return queryset.filter(assignments__reviewer=request.user)
        return queryset


class ComponentFilter(admin.SimpleListFilter):
    title = "component"
    parameter_name = "component"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in EcosystemComponent.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            tagged = ComponentTag.objects.filter(
                submission=OuterRef("pk"), round=ReviewRound.FIRST, component_id=self.value()
            )
            return _not_blind(queryset, request).filter(Exists(tagged))
        return queryset


class GradeFilter(admin.SimpleListFilter):
    title = "grade"
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(g, label) for g, label in ComponentTag._meta.get_field("grade").choices]

    def queryset(self, request, queryset):
        if self.value():
            graded = ComponentTag.objects.filter(submission=OuterRef("pk"), round=ReviewRound.FIRST, grade=self.value())
            return _not_blind(queryset, request).filter(Exists(graded))
        return queryset


class ReviewerFilter(admin.SimpleListFilter):
    title = "assigned reviewer"
    parameter_name = "reviewer"

    def lookups(self, request, model_admin):
        return [("none", "Unassigned")] + [(u.pk, u.email or u.username) for u in review.reviewers().order_by("email")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignments__isnull=True)
        if self.value():
            return queryset.filter(
                Exists(ReviewAssignment.objects.filter(submission=OuterRef("pk"), reviewer_id=self.value()))
            )
        return queryset


class DuplicateFilter(admin.SimpleListFilter):
    title = "flagged as duplicate or campaign"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [
            ("any", "Flagged (not rejected)"),
            ("duplicate", "Likely duplicate"),
            ("campaign", "Likely campaign"),
        ]

    def queryset(self, request, queryset):
        flags = DuplicateFlag.objects.filter(submission=OuterRef("pk")).exclude(status=DuplicateFlag.Status.REJECTED)
        if self.value() == "any":
            return queryset.filter(Exists(flags))
        if self.value() in {"duplicate", "campaign"}:
            return queryset.filter(Exists(flags.filter(kind=self.value())))
        return queryset
