"""The reviewers' inlines on the submission page: assignments, component tags and excerpts,
blind between review rounds."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .. import review
from ..models import GRADE_DEFINITIONS, ComponentTag, Excerpt, ReviewAssignment, Submission
from ..uploads import clean_file_name
from .confidentiality import withheld

# --- Submission inlines ---------------------------------------------------------------------------------


class RoundScoped:
    """Inlines of tags and excerpts: the reviewer's own round; the other round only once both are done
    (blind, see SubmissionAdmin.get_formset_kwargs); nothing to change on a withdrawn response."""

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
        return (
            super().has_change_permission(request, obj)
            and not (obj and withheld(request, obj))
            and not (obj and obj.status == Submission.Status.WITHDRAWN)
        )

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.status == Submission.Status.WITHDRAWN)


class LabelledFormSet(forms.BaseInlineFormSet):
    """Each row's Delete box says what it deletes (its column heading is not its label): "Delete the component
    tag Skills and talent"."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            what = self.model._meta.verbose_name
            component = getattr(form.instance, "component", None) if form.instance.pk else None
            name = f"Delete the {what} {component}" if component else f"Delete this {what}"
            form.fields["DELETE"].widget.attrs["aria-label"] = name


class RoundScopedInline(RoundScoped, admin.TabularInline):
    """A table of a round's rows (the component tags: short rows that fit a line), whose fields are named and
    described on the page (admin/edit_inline/tabular_labelled.html)."""

    formset = LabelledFormSet
    template = "admin/edit_inline/tabular_labelled.html"


class LabelledRowForm(forms.ModelForm):
    """A row of a tabular inline: its column headings are not labels, so each field is named for assistive
    technology by an aria-label (WCAG 4.1.2); a field with help text (the grade definitions) is described by
    the paragraph the inline's template shows once above its table, ``<formset prefix>-<field>-help``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset_prefix = (self.prefix or "").rsplit("-", 1)[0]
        for name, field in self.fields.items():
            # The admin wraps relations' widgets (RelatedFieldWidgetWrapper): the inner one renders.
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs.setdefault("aria-label", str(field.label))
            if field.help_text and formset_prefix:
                widget.attrs["aria-describedby"] = f"{formset_prefix}-{name}-help"


class TagForm(LabelledRowForm):
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
            "text": forms.Textarea(attrs={"rows": 3, "cols": 80}),
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


def _answer_label(answer) -> str:
    question = answer.question
    return f"Answer on {question.component}" if question.component_id else f"Answer to “{question.text[:40]}”"


class ExcerptInline(RoundScoped, admin.StackedInline):
    """Excerpts one under another, two short fields a line and the quote and note at full width: a table of
    them was 2,340 px wide at 1280 px (the quote and note off-screen)."""

    model = Excerpt
    form = ExcerptForm
    fields = [("component", "kind"), ("answer", "attachment"), "text", "note", ("round", "reviewer")]
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
            fields["answer"].queryset = obj.answers.select_related("question__component")
            # "Answer on Skills and talent", not the response's reference and the whole question: narrow rows.
            fields["answer"].label_from_instance = _answer_label
            fields["attachment"].queryset = obj.attachments.all()
            # The stored name may predate upload cleaning: no right-to-left overrides in the list.
            fields["attachment"].label_from_instance = lambda attachment: clean_file_name(attachment.original_name)
        return formset


class AssignmentInline(admin.TabularInline):
    model = ReviewAssignment
    form = LabelledRowForm  # named fields, a named scrolling table, as the tags (issue 18)
    formset = LabelledFormSet
    template = "admin/edit_inline/tabular_labelled.html"
    extra = 0
    fk_name = "submission"
    fields = ["round", "reviewer", "status", "assigned_at", "completed_at"]
    readonly_fields = ["assigned_at", "completed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")

    def has_change_permission(self, request, obj=None):
        # Withdrawn responses are not reviewed: their assignments stay as they were.
        withdrawn = obj is not None and obj.status == Submission.Status.WITHDRAWN
        return request.user.has_perm("evidence.lead_consultation") and not withdrawn

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission
