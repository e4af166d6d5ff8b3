"""The changelist's bulk actions: assign (fairly, or to a chosen reviewer), move state, tag, export as CSV.
Each action applies one review service per response and reports what it refused."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ... import review
from ...models import ComponentTag, EcosystemComponent, Submission
from ...spreadsheets import spreadsheet_row
from ..confidentiality import WITHHELD, sees_confidential


class ReviewActionForm(ActionForm):
    reviewer = forms.ModelChoiceField(queryset=None, required=False, label="reviewer")
    state = forms.ChoiceField(required=False, choices=[("", "state…"), *Submission.ReviewState.choices])
    reason = forms.ChoiceField(required=False, choices=[("", "exclusion reason…"), *Submission.ExclusionReason.choices])
    component = forms.ModelChoiceField(queryset=EcosystemComponent.objects.active(), required=False)
    grade = forms.ChoiceField(required=False, choices=[("", "grade…"), *ComponentTag._meta.get_field("grade").choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = review.reviewers()


class BulkActions:
    """Mixed into SubmissionAdmin: the actions named in its ``actions``."""

    action_form = ReviewActionForm
    actions = ["assign_fairly", "assign_to", "change_state", "tag_component", "export_csv"]

    @admin.action(description="Assign fairly among reviewers (least workload first; sample dual reviews)")
    def assign_fairly(self, request, queryset):
        try:
            made = review.auto_assign(submissions=list(queryset), by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, f"Made {len(made)} assignments (already-assigned responses were left as they were).")

    @admin.action(description="Assign to the chosen reviewer (first round)")
    def assign_to(self, request, queryset):
        reviewer_id = request.POST.get("reviewer")
        if not reviewer_id:
            self.message_user(request, "Choose a reviewer in the action bar first.", messages.ERROR)
            return
        reviewer = review.reviewers().filter(pk=reviewer_id).first()
        self._each(
            request,
            queryset,
            lambda s: review.assign(submission=s, reviewer=reviewer, by=request.user),
            "assigned",
        )

    @admin.action(description="Move to the chosen review state")
    def change_state(self, request, queryset):
        state = request.POST.get("state")
        if not state:
            self.message_user(request, "Choose a state in the action bar first.", messages.ERROR)
            return
        reason = request.POST.get("reason", "")
        self._each(
            request,
            queryset,
            lambda s: review.review_transition(submission=s, to=state, by=request.user, reason=reason),
            "moved",
        )

    @admin.action(description="Tag with the chosen component and grade")
    def tag_component(self, request, queryset):
        component_id, grade = request.POST.get("component"), request.POST.get("grade")
        if not component_id or not grade:
            self.message_user(request, "Choose a component and a grade in the action bar first.", messages.ERROR)
            return
        component = get_object_or_404(EcosystemComponent, pk=component_id)
        self._each(
            request,
            queryset,
            lambda s: review.tag_save(submission=s, component=component, grade=grade, by=request.user),
            "tagged",
        )

    def _each(self, request, queryset, apply, verb):
        done, refused = 0, []
        for submission in queryset:
            try:
                apply(submission)
                done += 1
            except ValidationError as error:
                refused += error.messages
        self.message_user(request, f"{done} responses {verb}.")
        for message in refused[:20]:
            self.message_user(request, message, messages.WARNING)
        if len(refused) > 20:
            self.message_user(request, f"… and {len(refused) - 20} more refused.", messages.WARNING)

    @admin.action(description="Export the selection as CSV")
    def export_csv(self, request, queryset):
        confidential_ok = sees_confidential(request)

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(
                [
                    "reference",
                    "organisation",
                    "type",
                    "region",
                    "review state",
                    "confidentiality",
                    "components",
                    "grades",
                    "summary",
                ]
            )
            for s in queryset.iterator(chunk_size=500):
                summary = WITHHELD if (s.is_confidential and not confidential_ok) else s.summary
                tags = [] if s.first_round_blind else s.first_tags
                blind = "(hidden until both reviews are done)" if s.first_round_blind else ""
                yield writer.writerow(
                    spreadsheet_row(
                        [
                            s.reference,
                            s.organisation.name,
                            s.organisation.organisation_type.name,
                            s.organisation.region.name,
                            s.get_review_state_display(),
                            s.get_confidentiality_display(),
                            "; ".join(t.component.name for t in tags) or blind,
                            "; ".join(t.grade for t in tags) or blind,
                            summary,
                        ]
                    )
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="responses-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response
