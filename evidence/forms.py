"""Forms of the submitter journey: they validate and normalise; services save."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import (
    DataPoint,
    EcosystemComponent,
    Indicator,
    Modality,
    Organisation,
    Question,
    Submission,
    confidentiality_errors,
)


class LockedSectionMixin:
    """A section form that carries the fingerprint of the section as it was rendered, so a save from a
    stale page (another tab, a colleague) is caught instead of silently overwriting (services.EditConflict)."""

    def __init__(self, *args, fingerprint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fingerprint"] = forms.CharField(widget=forms.HiddenInput, required=False, initial=fingerprint)

    def expected(self) -> str | None:
        """The fingerprint the page was rendered with (None from a client that sent none: no check)."""
        return self.cleaned_data.get("fingerprint") or None


class OrganisationForm(forms.ModelForm):
    job_title = forms.CharField(label="Your role or job title", max_length=120, required=False)
    sub_sectors = forms.ModelMultipleChoiceField(
        label="Manufacturing modalities (sub-sectors)",
        queryset=Modality.objects.active(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Choose all that apply.",
    )

    class Meta:
        model = Organisation
        fields = ["name", "organisation_type", "size_band", "region", "sub_sectors"]
        labels = {
            "name": "Organisation name (or your name if you respond as an individual)",
            "organisation_type": "Type of organisation",
            "size_band": "Size (employees)",
            "region": "Main UK nation or region",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_type"].queryset = self.fields["organisation_type"].queryset.filter(is_active=True)
        self.fields["region"].queryset = self.fields["region"].queryset.filter(is_active=True)
        self.fields["size_band"].help_text = "Not needed if you respond as an individual."

    def clean(self):
        data = super().clean()
        org_type = data.get("organisation_type")
        if org_type and not org_type.is_individual and not data.get("size_band"):
            self.add_error("size_band", "Choose the size of your organisation.")
        return data


class AboutForm(LockedSectionMixin, forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["summary", "declared_interests"]
        labels = {"summary": "Summary of your evidence", "declared_interests": "Declared interests"}
        help_texts = {
            "summary": "In a few sentences: what your evidence shows. Up to 300 words.",
            "declared_interests": "Funding, commercial or other interests a reader should know about.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5, "data-word-limit": 300}),
            "declared_interests": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise ValidationError("Enter a summary of your evidence.")
        words = len(summary.split())
        if words > 300:
            raise ValidationError(f"The summary has {words} words; the limit is 300.")
        return summary


class AnswersForm(LockedSectionMixin, forms.Form):
    """One text field per question of the consultation, plus the proposals."""

    def __init__(self, *args, questions: list[Question], answers: dict[int, str], proposals: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            label = question.text
            if question.component:
                label = f"{question.component.name}: {question.text}"
            self.fields[f"q{question.pk}"] = forms.CharField(
                label=label,
                required=False,
                initial=answers.get(question.pk, ""),
                widget=forms.Textarea(attrs={"rows": 6, "data-word-limit": question.word_limit}),
                help_text=f"{question.guidance} Up to {question.word_limit} words.".strip(),
            )
        self.fields["proposals"] = forms.CharField(
            label="What should change?",
            required=False,
            initial=proposals,
            widget=forms.Textarea(attrs={"rows": 6, "data-word-limit": 1000}),
            help_text="Your proposals to government and industry. Up to 1,000 words.",
        )

    def clean(self):
        data = super().clean()
        for question in self.questions:
            name = f"q{question.pk}"
            text = (data.get(name) or "").strip()
            words = len(text.split())
            if words > question.word_limit:
                self.add_error(name, f"This answer has {words} words; the limit is {question.word_limit}.")
        proposals = (data.get("proposals") or "").strip()
        if len(proposals.split()) > 1000:
            self.add_error("proposals", f"This has {len(proposals.split())} words; the limit is 1,000.")
        return data

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class StrictDecimalField(forms.CharField):
    """A number as people type it ("1,200", "-3.5"); anything else gets a precise message."""

    def to_python(self, value):
        value = super().to_python(value).replace("£", "").replace("$", "").replace(" ", "").strip()
        if value in self.empty_values:
            return None
        if not _NUMBER.match(value):
            raise ValidationError(
                "Enter the value as a number, for example 1200, 1,200 or 3.5 (put the unit in the unit box)."
            )
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise ValidationError("Enter the value as a number.") from None
        if abs(number) >= Decimal("1e15"):
            raise ValidationError("The value is too large; give it in a larger unit (e.g. £ billion).")
        if number.as_tuple().exponent < -4:
            raise ValidationError("Give the value with at most four decimal places.")
        return number


class DataPointForm(LockedSectionMixin, forms.ModelForm):
    value = StrictDecimalField(label="Value")

    class Meta:
        model = DataPoint
        fields = [
            "indicator",
            "other_indicator",
            "component",
            "value",
            "unit",
            "period_start",
            "period_end",
            "geography",
            "source",
            "notes",
        ]
        labels = {
            "indicator": "Indicator",
            "other_indicator": "Or name another measure",
            "component": "Ecosystem component it relates to",
            "geography": "Where",
            "source": "Source",
        }
        help_texts = {
            "unit": "For a catalogue indicator, use its unit (shown in the list).",
            "source": "Where the figure comes from: a report, your own records, a survey (with its method).",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.active()
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name} ({i.unit})"
        self.fields["indicator"].required = False
        components = EcosystemComponent.objects.active()
        if consultation is not None:
            components = consultation.components.filter(is_active=True)
        self.fields["component"].queryset = components
        self.fields["geography"].queryset = self.fields["geography"].queryset.filter(is_active=True)
        self.fields["period_start"].help_text = "Year, e.g. 2023."
        self.fields["period_end"].help_text = "Only for a range of years."
        if self.instance.pk:
            # "1200", not the stored "1200.0000".
            self.initial["value"] = self.instance.value_display

    def clean(self):
        data = super().clean()
        indicator = data.get("indicator")
        other = (data.get("other_indicator") or "").strip()
        if indicator and other:
            self.add_error("other_indicator", "Choose a catalogue indicator or name another measure, not both.")
        elif not indicator and not other:
            self.add_error("indicator", "Choose an indicator, or name the measure in “Or name another measure”.")
        unit = (data.get("unit") or "").strip()
        if indicator and unit and not indicator.fits_unit(unit):
            accepted = ", ".join(f"“{u}”" for u in indicator.accepted_units())
            self.add_error("unit", f"“{unit}” does not fit {indicator.name}; use {accepted}.")
        this_year = timezone.now().year
        start, end = data.get("period_start"), data.get("period_end")
        if start and start > this_year + 1:
            self.add_error("period_start", f"The year must be {this_year + 1} or earlier.")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PDF, Word (DOCX), Excel (XLSX), CSV or plain text; checked by its content, not its name.",
    )
    description = forms.CharField(label="What is this file? (optional)", max_length=300, required=False)


class ConfidentialityForm(LockedSectionMixin, forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["confidentiality", "confidentiality_reason", "consent_to_publish"]
        labels = {
            "confidentiality": "How may we use your response?",
            "confidentiality_reason": "Why is the material commercially confidential?",
            "consent_to_publish": ("I consent to publication of the parts of my response that are not confidential"),
        }
        widgets = {
            "confidentiality": forms.RadioSelect,
            "confidentiality_reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "confidentiality_reason": "Needed if you choose “Commercially confidential”.",
            "consent_to_publish": "Not with “Attributable, not for publication”, which keeps the whole response "
            "unpublished.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An explicit choice, never a default: no blank option, and nothing ticked until the submitter chooses.
        field = self.fields["confidentiality"]
        field.choices = Submission.Confidentiality.choices
        field.required = True
        field.error_messages["required"] = "Select how we may use your response."

    def clean(self):
        data = super().clean()
        if data.get("confidentiality"):
            errors = confidentiality_errors(
                confidentiality=data["confidentiality"],
                reason=data.get("confidentiality_reason") or "",
                consent=bool(data.get("consent_to_publish")),
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return data


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, withdraw my response", required=True)
