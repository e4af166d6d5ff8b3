"""Forms of the submitter journey. They validate and normalise; services save."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.forms.models import construct_instance
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from .models import (
    DataPoint,
    EcosystemComponent,
    Indicator,
    Membership,
    Modality,
    Organisation,
    OrganisationType,
    Question,
    Region,
    Submission,
)
from .services import word_count, word_limit_message

SUMMARY_WORD_LIMIT = 300
PROPOSALS_WORD_LIMIT = 500
INTERESTS_WORD_LIMIT = 200
EARLIEST_YEAR = 1950
# Forecasts are evidence too, but not beyond a generation ahead.
FORECAST_YEARS = 30


def _helper(*layout, submit: str = "Save and continue") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page's own <form> carries the token
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit))
    return helper


def _check_words(text: str, limit: int) -> str:
    words = word_count(text)
    if words > limit:
        raise forms.ValidationError(word_limit_message(words, limit), code="word_limit")
    return text.strip()


class OrganisationForm(forms.ModelForm):
    job_title = forms.CharField(
        label="Your role (optional)", max_length=120, required=False, help_text="For example: Site director."
    )

    class Meta:
        model = Organisation
        fields = ["organisation_type", "name", "size_band", "region", "sub_sectors"]
        labels = {
            "organisation_type": "Who are you responding for?",
            "name": "Name of the organisation (or your own name if you respond as an individual)",
            "size_band": "Number of employees",
            "region": "Where are you based?",
            "sub_sectors": "What do you manufacture or support? (choose any that apply)",
        }
        help_texts = {
            "size_band": "Not needed if you respond as an individual.",
            "region": "The UK nation or region of your main manufacturing site.",
        }
        widgets = {"sub_sectors": forms.CheckboxSelectMultiple, "size_band": forms.RadioSelect}

    def __init__(self, *args, membership: Membership | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_type"].queryset = OrganisationType.objects.active()
        self.fields["region"].queryset = Region.objects.active()
        self.fields["sub_sectors"].queryset = Modality.objects.active()
        self.fields["size_band"].required = False
        self.fields["size_band"].choices = Organisation.SizeBand.choices
        if membership is not None:
            self.fields["job_title"].initial = membership.job_title
        self.helper = _helper(
            Fieldset("About you", "organisation_type", "name", "job_title"),
            Fieldset("Your organisation", "size_band", "region", "sub_sectors"),
            submit="Save details",
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("organisation_type")
        if kind is not None and not kind.is_individual and not cleaned.get("size_band"):
            self.add_error("size_band", "Choose the number of employees of your organisation.")
        if kind is not None and kind.is_individual:
            cleaned["size_band"] = ""
        return cleaned


class AboutForm(forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["summary", "proposals", "declared_interests"]
        labels = {
            "summary": "Summary of your evidence",
            "proposals": "What should change?",
            "declared_interests": "Declared interests",
        }
        help_texts = {
            "summary": f"In a few sentences, what your evidence shows. Up to {SUMMARY_WORD_LIMIT} words.",
            "proposals": "The changes you propose, and who should make them. "
            f"Up to {PROPOSALS_WORD_LIMIT} words.",
            "declared_interests": "Funding, memberships or commercial interests a reader should know about. "
            f"Write “None” if there are none. Up to {INTERESTS_WORD_LIMIT} words.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "proposals": forms.Textarea(attrs={"rows": 6}),
            "declared_interests": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].required = True
        self.helper = _helper(Fieldset("About your response", "summary", "proposals", "declared_interests"))

    def clean_summary(self):
        return _check_words(self.cleaned_data["summary"], SUMMARY_WORD_LIMIT)

    def clean_proposals(self):
        return _check_words(self.cleaned_data["proposals"], PROPOSALS_WORD_LIMIT)

    def clean_declared_interests(self):
        return _check_words(self.cleaned_data["declared_interests"], INTERESTS_WORD_LIMIT)


class AnswersForm(forms.Form):
    """One text field per question of the consultation, grouped by component."""

    def __init__(self, *args, questions: list[Question], initial_answers: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        groups: dict[str, list[str]] = {}
        for question in questions:
            name = f"question_{question.pk}"
            guidance = f"{question.guidance} " if question.guidance else ""
            self.fields[name] = forms.CharField(
                label=question.text,
                required=False,
                initial=initial_answers.get(question.pk, ""),
                help_text=f"{guidance}Up to {question.word_limit} words.",
                widget=forms.Textarea(attrs={"rows": 6, "data-word-limit": question.word_limit}),
            )
            group = question.component.name if question.component_id else "General"
            groups.setdefault(group, []).append(name)
        self.helper = _helper(*[Fieldset(legend, *names) for legend, names in groups.items()])

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            name = f"question_{question.pk}"
            text = cleaned.get(name, "")
            words = word_count(text)
            if words > question.word_limit:
                self.add_error(name, word_limit_message(words, question.word_limit))
        return cleaned

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"question_{q.pk}", "") for q in self.questions}


# A number as people write it: optional sign, digits with or without thousands commas, optional decimals.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_number(raw: str) -> Decimal:
    """Parse '1,200', '1200.5' or '-3'; refuse anything else (units, NaN, infinity, '1,20')."""
    text = raw.strip().replace("\u2212", "-")
    if not text:
        raise forms.ValidationError("Enter the value.", code="required")
    if not _NUMBER.fullmatch(text):
        raise forms.ValidationError(
            f"“{raw.strip()[:40]}” is not a number. Enter digits only, for example 1,200 or 1200.5, "
            "and put the unit in the Unit field.",
            code="invalid",
        )
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise forms.ValidationError("Enter a number, for example 1,200 or 1200.5.", code="invalid") from None
    if not value.is_finite():  # pragma: no cover - as above
        raise forms.ValidationError("Enter a finite number.", code="invalid")
    sign, digits, exponent = value.as_tuple()
    decimals = -exponent if exponent < 0 else 0
    if decimals > 4:
        raise forms.ValidationError("Use at most 4 decimal places.", code="precision")
    if len(digits) - decimals > 16:
        raise forms.ValidationError(
            "The value is too large: use a bigger unit (e.g. £ billion).", code="range"
        )
    return value


class DataPointForm(forms.ModelForm):
    value = forms.CharField(
        label="Value",
        max_length=40,
        help_text="The number only, for example 1,200 or 1200.5.",
    )

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
            "other_indicator": "Other measure (if not in the list)",
            "component": "Part of the ecosystem it is evidence for (optional)",
            "unit": "Unit",
            "geography": "Geography",
            "source": "Source",
            "notes": "Notes (optional)",
        }
        help_texts = {
            "indicator": "Choose from the catalogue, or leave empty and name the measure below.",
            "unit": "For a catalogue indicator, use its unit (shown in the list).",
            "period_start": "The year the figure is for, or the first year of a range.",
            "period_end": "Only for a range of years.",
            "source": "Where the figure comes from: a report, dataset or your own records.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        indicators = Indicator.objects.active()
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name} ({i.unit})"
        self.fields["indicator"].empty_label = "Other (name it below)"
        self.fields["component"].queryset = EcosystemComponent.objects.active()
        self.fields["geography"].queryset = Region.objects.active()
        latest = timezone.now().year + FORECAST_YEARS
        for name in ("period_start", "period_end"):
            field = self.fields[name]
            field.widget.attrs.update({"min": EARLIEST_YEAR, "max": latest, "inputmode": "numeric"})
        if self.instance.pk:
            self.initial["value"] = self.instance.value_display
        self.helper = _helper(
            Fieldset("What is measured", "indicator", "other_indicator", "component"),
            Fieldset("The figure", "value", "unit", "period_start", "period_end", "geography"),
            Fieldset("Where it comes from", "source", "notes"),
            submit="Save data point",
        )

    def clean_value(self):
        return parse_number(self.cleaned_data["value"])

    def _clean_year(self, name: str) -> int | None:
        year = self.cleaned_data.get(name)
        latest = timezone.now().year + FORECAST_YEARS
        if year is not None and not EARLIEST_YEAR <= year <= latest:
            raise forms.ValidationError(
                f"Enter a year between {EARLIEST_YEAR} and {latest}.", code="implausible_year"
            )
        return year

    def clean_period_start(self):
        return self._clean_year("period_start")

    def clean_period_end(self):
        return self._clean_year("period_end")

    def clean(self):
        cleaned = super().clean()
        indicator = cleaned.get("indicator")
        other = (cleaned.get("other_indicator") or "").strip()
        if indicator is None and not other:
            self.add_error("indicator", "Choose an indicator, or name the measure under “Other measure”.")
        if indicator is not None and other:
            self.add_error("other_indicator", "Leave this empty when you choose an indicator from the list.")
        unit = (cleaned.get("unit") or "").strip()
        if indicator is not None and unit and not indicator.fits_unit(unit):
            self.add_error(
                "unit",
                f"“{unit}” is not a unit for {indicator.name}. Use: {'; '.join(indicator.accepted_units())}.",
            )
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        return cleaned

    def _post_clean(self):
        # Copy the cleaned values onto the instance; the model's own checks (which need the submission)
        # run in the service's full_clean, so they are not reported twice here.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PDF, Word (.docx), Excel (.xlsx), CSV or plain text. One file at a time.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.docx,.xlsx,.csv,.txt,application/pdf,text/csv,text/plain"}
        ),
    )
    description = forms.CharField(label="What is in the file? (optional)", max_length=300, required=False)

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" Up to {filesizeformat(max_bytes)}."
        self.helper = _helper(Fieldset("Add a file", "file", "description"), submit="Upload file")
        self.helper.form_tag = False


class ConfidentialityForm(forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["confidentiality", "confidentiality_reason", "consent_to_publish"]
        labels = {
            "confidentiality": "How may we use your response?",
            "confidentiality_reason": "Why is it commercially confidential?",
            "consent_to_publish": "I consent to MMIP publishing the parts of my response that are not "
            "marked confidential",
        }
        help_texts = {
            "confidentiality": "Publishable responses may be published with your name. Attributable ones are "
            "used and cited inside MMIP only. Commercially confidential ones are seen only by the few "
            "reviewers allowed to, and never published or quoted.",
            "confidentiality_reason": "Needed if you choose “commercially confidential”.",
        }
        widgets = {
            "confidentiality": forms.RadioSelect,
            "confidentiality_reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Fieldset("Confidentiality", "confidentiality", "confidentiality_reason"),
            Fieldset("Consent", "consent_to_publish"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confidentiality") == Submission.Confidentiality.CONFIDENTIAL:
            if not (cleaned.get("confidentiality_reason") or "").strip():
                self.add_error(
                    "confidentiality_reason", "Tell us why the material is commercially confidential."
                )
        else:
            cleaned["confidentiality_reason"] = ""
        return cleaned
