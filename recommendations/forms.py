from decimal import Decimal

from django import forms
from django.utils import timezone

from evidence.units import format_value

from .models import Recommendation, SuccessCriterion


class StartCompilationForm(forms.Form):
    consultation = forms.ModelChoiceField(queryset=None, label="Consultation")

    def __init__(self, *args, consultations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = consultations


class RecommendationForm(forms.ModelForm):
    """A lead's edit. ``lock_version`` comes back with the form: if someone saved in between, the
    service refuses the edit and the page shows both versions."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Recommendation
        fields = ["title", "objective", "actor", "timescale"]
        widgets = {"objective": forms.Textarea(attrs={"rows": 4})}
        labels = {"actor": "Who should act", "timescale": "By when"}

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 5:
            raise forms.ValidationError("Give the recommendation a title of at least 5 characters.")
        return title


class CriterionForm(forms.ModelForm):
    """A lead's part of one success criterion: target, deadline, owner, data source and frequency."""

    class Meta:
        model = SuccessCriterion
        fields = ["target_value", "deadline", "owner", "data_source", "frequency"]
        widgets = {
            "target_value": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "owner": forms.TextInput(attrs={"placeholder": "e.g. DBT Office for Life Sciences"}),
            "data_source": forms.TextInput(attrs={"placeholder": "e.g. ONS Annual Business Survey"}),
            "frequency": forms.TextInput(attrs={"placeholder": "e.g. annually", "list": "frequencies"}),
        }
        labels = {"target_value": "Target", "data_source": "Data source"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.instance
        if c.pk:
            self.fields["target_value"].label = f"Target ({c.unit})"
            if c.baseline_status == "ok" and c.baseline_value is not None:
                now = format_value(c.baseline_value, c.baseline_unit, c.kind)
                self.fields["target_value"].help_text = f"{c.get_target_direction_display()} from {now}."
        self.fields["target_value"].error_messages["invalid"] = (
            "Enter the target as a number, for example 5, 1200 or 3.5 (the unit is in the label)."
        )
        self.fields["deadline"].error_messages["invalid"] = "Enter the deadline as a date, for example 2030-12-31."
        if c.pk and c.target_value is not None and not self.is_bound:
            self.initial["target_value"] = f"{c.target_value.normalize():f}"
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control form-control-sm"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self.auto_id % self.add_prefix(name)}-help"

    def clean_target_value(self):
        value = self.cleaned_data.get("target_value")
        if value is not None and abs(value) >= Decimal(10) ** 15:
            raise forms.ValidationError("The target is too large; check the unit in the label.")
        return value

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline and deadline <= timezone.localdate():
            raise forms.ValidationError("The deadline must be in the future.")
        if deadline and deadline.year > 2100:
            raise forms.ValidationError("The deadline must be in 2100 or earlier.")
        return deadline

    def clean(self):
        data = super().clean()
        for name in ("owner", "data_source", "frequency"):
            if name in data and data[name] is not None:
                data[name] = " ".join(data[name].split())
        return data


CriteriaFormSet = forms.modelformset_factory(SuccessCriterion, form=CriterionForm, extra=0, can_delete=False)


class LockForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)
