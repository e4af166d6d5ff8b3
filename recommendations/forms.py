from django import forms

from .models import Recommendation


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
