"""The filters of the submissions changelist: my queue, state, component, grade, reviewer, duplicates."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef

from .. import review
from ..models import (
    Campaign,
    ComponentTag,
    DuplicateFlag,
    EcosystemComponent,
    OrganisationType,
    Region,
    ReviewAssignment,
    ReviewRound,
    Submission,
)

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
            # Open work only: a response withdrawn after it was assigned has nothing left to do.
            return queryset.filter(
                assignments__reviewer=request.user,
                assignments__status=ReviewAssignment.Status.ASSIGNED,
                status=Submission.Status.SUBMITTED,
            )
        if self.value() == "mine_all":
            return queryset.filter(assignments__reviewer=request.user)
        return queryset


class StateFilter(admin.SimpleListFilter):
    """Where a response is: its review state while it is submitted, or withdrawn by its submitter (whatever
    review state it had reached, it is no longer reviewed)."""

    title = "state"
    parameter_name = "state"
    WITHDRAWN = "withdrawn"

    def lookups(self, request, model_admin):
        return [*Submission.ReviewState.choices, (self.WITHDRAWN, "Withdrawn by the submitter")]

    def queryset(self, request, queryset):
        if self.value() == self.WITHDRAWN:
            return queryset.filter(status=Submission.Status.WITHDRAWN)
        if self.value() in Submission.ReviewState.values:
            return queryset.filter(status=Submission.Status.SUBMITTED, review_state=self.value())
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


class _CatalogueFilter(admin.SimpleListFilter):
    """Choices from the catalogue (a few dozen rows), not from the responses: Django's
    RelatedOnlyFieldListFilter would scan and join every submission on each page load to find which
    choices occur (90–136 ms each at 100,000 responses)."""

    model: type
    field: str

    def lookups(self, request, model_admin):
        return [(str(entry.pk), entry.name) for entry in self.model.objects.order_by("order", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class OrganisationTypeFilter(_CatalogueFilter):
    title = "organisation type"
    parameter_name = "organisation_type"
    model = OrganisationType
    field = "organisation__organisation_type_id"


class RegionFilter(_CatalogueFilter):
    title = "region"
    parameter_name = "region"
    model = Region
    field = "organisation__region_id"


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
            (DuplicateFlag.Kind.DUPLICATE, "Likely duplicate"),
            (DuplicateFlag.Kind.CAMPAIGN, "Likely campaign (with the campaign's first response)"),
            (DuplicateFlag.Kind.PASSAGE, "Shares a passage"),
        ]

    def queryset(self, request, queryset):
        flags = DuplicateFlag.objects.filter(submission=OuterRef("pk")).exclude(status=DuplicateFlag.Status.REJECTED)
        if self.value() == "any":
            return queryset.filter(Exists(flags) | Exists(Campaign.objects.filter(founder=OuterRef("pk"))))
        if self.value() == DuplicateFlag.Kind.CAMPAIGN:
            founded = Campaign.objects.filter(founder=OuterRef("pk"))
            return queryset.filter(Exists(flags.filter(kind=self.value())) | Exists(founded))
        if self.value() in DuplicateFlag.Kind.values:
            return queryset.filter(Exists(flags.filter(kind=self.value())))
        return queryset
