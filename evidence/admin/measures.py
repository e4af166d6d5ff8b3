"""Other measures in the admin: figures respondents named themselves, grouped by name, each group mapped to a
catalogue indicator or given a new one (rules in evidence.measures). One page, no change form."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import slugify

from .. import measures
from ..models import EcosystemComponent, Indicator, OtherMeasure


def _prefix(key: str) -> str:
    return "m-" + (slugify(key) or "measure")


class MapForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.none(), label="Map to the indicator", empty_label="Choose an indicator"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.active().order_by("name")
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name} ({i.unit})"


class CreateForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, label="Name of the new indicator")
    unit = forms.CharField(max_length=80, label="Its unit", help_text="The unit the figures are given in.")
    kind = forms.ChoiceField(choices=Indicator.Kind.choices, initial=Indicator.Kind.LEVEL)
    better = forms.ChoiceField(choices=Indicator.Better.choices, label="Which way is better")
    components = forms.ModelMultipleChoiceField(
        queryset=EcosystemComponent.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["components"].queryset = EcosystemComponent.objects.active()


@admin.register(OtherMeasure)
class OtherMeasureAdmin(admin.ModelAdmin):
    """The changelist is the grouped page; there is nothing to add, change one by one or delete here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("evidence.map_othermeasure")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        bound: dict[str, forms.Form] = {}
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            done = self._post(request, bound)
            if done:
                return redirect(request.path)
        groups = measures.measure_groups(request.user)
        for group in groups:
            group.map_form = bound.get(f"map:{group.key}") or MapForm(
                initial={"key": group.key}, prefix=_prefix(group.key)
            )
            group.create_form = bound.get(f"create:{group.key}") or CreateForm(
                initial={"key": group.key, "name": group.name, "unit": group.units[0] if group.units else ""},
                prefix=_prefix(group.key),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Other measures",
            "groups": groups,
            "can_map": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/evidence/othermeasure/groups.html", context)

    def _post(self, request, bound) -> bool:
        key = request.POST.get("group", "")
        action = request.POST.get("action")
        form_class = MapForm if action == "map" else CreateForm
        form = form_class(request.POST, prefix=_prefix(key))
        bound[f"{action}:{key}"] = form
        if action not in {"map", "create"} or not form.is_valid():
            messages.error(request, "Check the form of the measure below.")
            return False
        try:
            if action == "map":
                indicator = form.cleaned_data["indicator"]
                mapped, foreign = measures.other_measure_map(
                    key=form.cleaned_data["key"], indicator=indicator, by=request.user
                )
            else:
                indicator, mapped, foreign = measures.indicator_for_measure(
                    key=form.cleaned_data["key"],
                    name=form.cleaned_data["name"],
                    unit=form.cleaned_data["unit"],
                    kind=form.cleaned_data["kind"],
                    better=form.cleaned_data["better"],
                    components=list(form.cleaned_data["components"]),
                    by=request.user,
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            messages.error(request, "; ".join(error.messages))
            return False
        self.log_change(request, indicator, f"Mapped {mapped} figure(s) of another measure to this indicator.")
        text = f"{mapped} figure(s) now count towards “{indicator.name}” from the next compilation."
        if foreign:
            text += (
                f" In units {indicator.name} does not convert ({', '.join(foreign)}): listed side by side, never "
                "combined; add a conversion factor to the indicator to combine them."
            )
        messages.success(request, text)
        return True
