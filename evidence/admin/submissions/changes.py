"""The review form of the submission page and how a save applies it: the review-state change goes through
``review.review_transition``, the inline tags and excerpts through ``review.tag_save`` and ``review.excerpt_save``.
"""

from __future__ import annotations

from django import forms

from ... import review
from ...models import ComponentTag, Excerpt, ReviewRound, Submission
from ..review import RoundScopedInline


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

    class Meta:
        model = Submission
        fields: list[str] = []

    def clean(self):
        data = super().clean()
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
        return data


class ReviewSaving:
    """Mixed into SubmissionAdmin: a save of the change page, through the review services."""

    def save_model(self, request, obj, form, change):
        to = form.cleaned_data.get("move_to")
        if to and to != obj.review_state:
            review.review_transition(submission=obj, to=to, by=request.user, reason=form.cleaned_data.get("reason", ""))

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        submission = form.instance
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
                )
            elif isinstance(instance, Excerpt):
                if not instance.pk:
                    instance.round = mine
                review.excerpt_save(excerpt=instance, by=request.user)
            else:
                instance.assigned_by = instance.assigned_by or request.user
                instance.save()
        formset.save_m2m()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RoundScopedInline) and obj is not None:
            # Blind dual review: the other round's rows only once both rounds are done. Decided here, per
            # request: inline instances are made per request, but nothing is stored on them either.
            rounds = review.visible_rounds(request.user, obj)
            kwargs["queryset"] = inline.get_queryset(request).filter(submission=obj, round__in=rounds)
        return kwargs
