"""The reviewers' inlines on the submission page: assignments, component tags and excerpts,
blind between review rounds."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .. import review
from ..models import GRADE_DEFINITIONS, ComponentTag, Excerpt, ReviewAssignment
from .confidentiality import withheld

# --- Submission inlines ---------------------------------------------------------------------------------


class RoundScopedInline(admin.TabularInline):
    """Tags and excerpts of the reviewer's own round; the other round only once both are done (blind)."""

    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("component", "reviewer")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            field = formset.form.base_fields.get("component")
            if field is not None:
                field.queryset = obj.consultation.components.all()
        return formset

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and withheld(request, obj))

    has_add_permission = has_change_permission


class TagForm(forms.ModelForm):
    class Meta:
        model = ComponentTag
        fields = ["component", "relevance", "grade", "stance"]
        help_texts = {"grade": " ".join(f"{g}: {d}" for g, d in GRADE_DEFINITIONS.items())}

    def clean(self):
        data = super().clean()
        submission = self.instance.submission if self.instance.submission_id else None
        component = data.get("component")
        if submission and component and not submission.consultation.components.filter(pk=component.pk).exists():
            self.add_error("component", f"“{component}” is not a component of this consultation.")
        return data


class ComponentTagInline(RoundScopedInline):
    model = ComponentTag
    form = TagForm
    fields = ["component", "relevance", "grade", "stance", "round", "reviewer"]
    readonly_fields = ["round", "reviewer"]
    verbose_name = "component tag"


class ExcerptForm(forms.ModelForm):
    class Meta:
        model = Excerpt
        fields = ["component", "kind", "answer", "attachment", "text", "note"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields and not self.fields["kind"].disabled:
            self.fields["kind"].required = True  # blank only on excerpts coded before kinds existed

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        excerpt = Excerpt(
            submission=self.instance.submission if self.instance.submission_id else None,
            answer=data.get("answer"),
            attachment=data.get("attachment"),
            text=data.get("text") or "",
        )
        if excerpt.submission is not None:
            excerpt.submission_id = excerpt.submission.pk
            try:
                review.check_excerpt(excerpt)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return data


class ExcerptInline(RoundScopedInline):
    model = Excerpt
    form = ExcerptForm
    fields = ["component", "kind", "answer", "attachment", "text", "note", "round", "reviewer"]
    readonly_fields = ["round", "reviewer"]
    # What a reviewer without the confidential-evidence permission sees of a confidential response's
    # excerpts: where they are coded, never the quote, the note or the file they came from.
    withheld_fields = ["component", "kind", "round", "reviewer"]

    def get_fields(self, request, obj=None):
        if obj is not None and withheld(request, obj):
            return self.withheld_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and withheld(request, obj):
            return self.withheld_fields
        return super().get_readonly_fields(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        if obj is not None and "answer" in fields:
            fields["answer"].queryset = obj.answers.select_related("question")
            fields["attachment"].queryset = obj.attachments.all()
        return formset


class AssignmentInline(admin.TabularInline):
    model = ReviewAssignment
    extra = 0
    fk_name = "submission"
    fields = ["round", "reviewer", "status", "assigned_at", "completed_at"]
    readonly_fields = ["assigned_at", "completed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("evidence.lead_consultation")

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission
