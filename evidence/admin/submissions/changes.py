"""The review form of the submission page and how a save applies it.

One save is one transaction, in this order: the inline rows (assignments, tags, excerpts) through the review
services (``review.assignment_save``, ``tag_save``, ``excerpt_save`` and their deletes), then the state change
through ``review.review_transition``, so "tag it and mark it reviewed" works in one save. If a service refuses
anything, nothing of the save is kept in the database and the page comes back with the reason and everything
the reviewer typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from ... import review
from ...models import ComponentTag, Excerpt, ReviewAssignment, ReviewRound, Submission
from ..review import RoundScoped

# The submit buttons of the reviewers' way through their queue (templates/admin/evidence/submission/submit_line.html).
SAVE_AND_NEXT = "_savenext"
REVIEWED_AND_NEXT = "_reviewednext"


class ReviewForm(forms.ModelForm):
    """The change form: the review state moves only through review.review_transition."""

    move_to = forms.ChoiceField(
        label="Move review state to",
        required=False,
        choices=[("", "— keep —"), *Submission.ReviewState.choices],
    )
    reason = forms.ChoiceField(
        label="Exclusion reason", required=False, choices=[("", "—"), *Submission.ExclusionReason.choices]
    )
    # Set (on a subclass made for one request) when a service refused the save: the page is shown again
    # with these reasons, on the field they concern, and nothing is saved.
    refused: tuple[tuple[str | None, str], ...] = ()

    class Meta:
        model = Submission
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if REVIEWED_AND_NEXT in self.data:  # the "Mark reviewed, save and next" button
            data["move_to"] = Submission.ReviewState.REVIEWED
        to = data.get("move_to")
        if to and to != self.instance.review_state:
            if to not in review.TRANSITIONS.get(self.instance.review_state, set()):
                self.add_error(
                    "move_to",
                    f"Cannot move from “{self.instance.get_review_state_display()}” to "
                    f"“{Submission.ReviewState(to).label}”.",
                )
            if to == Submission.ReviewState.EXCLUDED and not data.get("reason"):
                self.add_error("reason", "Choose a reason for excluding it.")
        for field, message in self.refused:
            self.add_error(field, message)
        return data


class ReviewRefused(Exception):
    """A review service refused part of a save; ``field`` is the review form's field it concerns, if any."""

    def __init__(self, error: ValidationError, field: str | None = None):
        super().__init__(*error.messages)
        self.reasons = tuple((field, message) for message in error.messages)


class ReviewSaving:
    """Mixed into SubmissionAdmin: a save of the change page, inlines first, then the state change."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django runs the whole save in one transaction (changeform_view is atomic), so a refusal raised
        # out of it rolls back every row the save had written. The page is then built again from the same
        # POST, with the refusal as a form error: the formsets are bound to what was typed and nothing saves.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ReviewRefused as refused:
            request.review_refused = refused.reasons
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "review_refused", ())
        if refused:
            form = type(form.__name__, (form,), {"refused": refused})
        return form

    def response_change(self, request, obj):
        if SAVE_AND_NEXT in request.POST or REVIEWED_AND_NEXT in request.POST:
            following = review.next_in_queue(reviewer=request.user, after=obj)
            if following is None:
                self.message_user(request, f"{obj.reference} saved. Your queue is empty: nothing else is assigned.")
                return redirect(f"{reverse('admin:evidence_submission_changelist')}?queue=mine")
            self.message_user(request, f"{obj.reference} saved. Next in your queue: {following.reference}.")
            return redirect("admin:evidence_submission_change", following.pk)
        return super().response_change(request, obj)

    def save_model(self, request, obj, form, change):
        # Nothing of the response itself is edited on this page; the state change waits for the inline
        # rows (save_related), because its rules read them (no "reviewed" without a component tag).
        pass

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        submission = form.instance
        to = form.cleaned_data.get("move_to")
        mine = submission.assignments.filter(reviewer=request.user, status=ReviewAssignment.Status.ASSIGNED)
        try:
            finishing = REVIEWED_AND_NEXT in request.POST or to == Submission.ReviewState.REVIEWED
            if finishing and mine.exists():
                # An assigned reviewer finishes their round (the button, or "Reviewed" chosen in the list): in a
                # dual review the response is reviewed once both rounds are done and agree
                # (review.complete_review), not when either reviewer says so.
                review.complete_review(submission=submission, by=request.user)
            elif to and to != submission.review_state:
                review.review_transition(
                    submission=submission, to=to, by=request.user, reason=form.cleaned_data.get("reason", "")
                )
        except ValidationError as error:
            raise ReviewRefused(error, field="move_to") from error

    def save_formset(self, request, form, formset, change):
        try:
            self._save_rows(request, form.instance, formset)
        except ValidationError as error:
            raise ReviewRefused(error) from error

    def _save_rows(self, request, submission, formset) -> None:
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            if isinstance(deleted, ComponentTag):
                review.tag_delete(tag=deleted, by=request.user)
            elif isinstance(deleted, Excerpt):
                review.excerpt_delete(excerpt=deleted, by=request.user)
            elif isinstance(deleted, ReviewAssignment):
                review.assignment_delete(assignment=deleted, by=request.user)
        mine = review.round_of(request.user, submission) or ReviewRound.FIRST
        for instance in instances:
            if isinstance(instance, ComponentTag):
                review.tag_save(
                    submission=submission,
                    component=instance.component,
                    grade=instance.grade,
                    by=request.user,
                    relevance=instance.relevance,
                    stance=instance.stance,
                    round=instance.round if instance.pk else mine,
                    tag=instance if instance.pk else None,
                )
            elif isinstance(instance, Excerpt):
                if not instance.pk:
                    instance.round = mine
                review.excerpt_save(excerpt=instance, by=request.user)
            elif isinstance(instance, ReviewAssignment):
                review.assignment_save(assignment=instance, by=request.user)
        formset.save_m2m()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RoundScoped) and obj is not None:
            # Blind dual review: the other round's rows only once both rounds are done. Decided here, per
            # request: inline instances are made per request, but nothing is stored on them either.
            rounds = review.visible_rounds(request.user, obj)
            kwargs["queryset"] = inline.get_queryset(request).filter(submission=obj, round__in=rounds)
        return kwargs
