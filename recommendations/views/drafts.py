"""Leads read, edit, move and compare draft recommendations."""

import difflib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Submission

from .. import services
from ..forms import CriteriaFormSet, LockForm, RecommendationForm
from ..models import Recommendation, SuccessCriterion
from ..permissions import lead_required


def _citations(recommendation: Recommendation) -> dict[str, Submission]:
    refs = recommendation.references()
    for criterion in recommendation.criteria.only("baseline_references"):
        refs += criterion.baseline_references[:12]
    found = Submission.objects.filter(consultation_id=recommendation.run.consultation_id, reference__in=refs)
    return {s.reference: s for s in found.only("pk", "reference", "confidentiality")}


def _criteria(recommendation: Recommendation):
    return SuccessCriterion.objects.filter(recommendation=recommendation).select_related("indicator").order_by("pk")


def _detail(request, recommendation: Recommendation, formset=None, conflict=None, status: int = 200) -> HttpResponse:
    versions = recommendation.history.select_related("history_user").order_by("-history_id")
    criteria = list(_criteria(recommendation))
    if formset is None and recommendation.status != Recommendation.Status.APPROVED:
        formset = CriteriaFormSet(queryset=_criteria(recommendation))
    return render(
        request,
        "recommendations/draft_detail.html",
        {
            "rec": recommendation,
            "criteria": criteria,
            "complete": sum(c.is_complete for c in criteria),
            "formset": formset,
            "lock": LockForm(initial={"lock_version": recommendation.lock_version}),
            "conflict": conflict,
            "citations": _citations(recommendation),
            "versions": versions,
            "next_states": services.TRANSITIONS.get(recommendation.status, set()),
            "status_labels": dict(Recommendation.Status.choices),
        },
        status=status,
    )


@lead_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.select_related("run__consultation", "component"), pk=pk)
    return _detail(request, recommendation)


@lead_required
@require_POST
def draft_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead fills in the success criteria on the draft's page: target, deadline, owner, data source and
    frequency, under the same optimistic lock as the rest of the draft."""
    recommendation = get_object_or_404(Recommendation.objects.select_related("run__consultation", "component"), pk=pk)
    formset = CriteriaFormSet(request.POST, queryset=_criteria(recommendation))
    lock = LockForm(request.POST)
    if not (formset.is_valid() and lock.is_valid()):
        if not lock.is_valid():
            messages.error(request, "The page was out of date; reload it and fill in the criteria again.")
        return _detail(request, recommendation, formset=formset, status=400)
    values = {
        form.instance.pk: {name: form.cleaned_data[name] for name in SuccessCriterion.LEAD_FIELDS}
        for form in formset.forms
        if form.instance.pk
    }
    try:
        saved = services.recommendation_edit(
            recommendation=recommendation,
            by=request.user,
            lock_version=lock.cleaned_data["lock_version"],
            data={},
            criteria=values,
        )
    except services.EditConflict as clash:
        # Nothing is lost: the other lead's save stands and is shown; this lead's values stay in the form.
        data = request.POST.copy()
        data["lock_version"] = str(clash.current.lock_version)
        return _detail(
            request,
            clash.current,
            formset=CriteriaFormSet(data, queryset=_criteria(recommendation)),
            conflict=clash.current,
            status=409,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _detail(request, recommendation, formset=formset, status=400)
    criteria = list(_criteria(saved))
    done = sum(c.is_complete for c in criteria)
    messages.success(request, f"The success criteria are saved: {done} of {len(criteria)} complete.")
    return redirect(f"{saved.get_absolute_url()}#criteria")


@lead_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.select_related("run", "component"), pk=pk)
    conflict = None
    if request.method == "POST":
        form = RecommendationForm(request.POST, instance=Recommendation.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.recommendation_edit(
                    recommendation=recommendation,
                    by=request.user,
                    lock_version=form.cleaned_data["lock_version"],
                    data={field: form.cleaned_data[field] for field in ("title", "objective", "actor", "timescale")},
                )
            except services.EditConflict as clash:
                # Neither edit is lost: the other lead's version is saved, yours stays in the form, with the
                # new version number, so saving again deliberately replaces theirs.
                conflict = clash.current
                data = request.POST.copy()
                data["lock_version"] = str(conflict.lock_version)
                form = RecommendationForm(data, instance=conflict)
                form.is_valid()
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(recommendation)
    else:
        form = RecommendationForm(instance=recommendation, initial={"lock_version": recommendation.lock_version})
    return render(
        request,
        "recommendations/draft_edit.html",
        {"rec": recommendation, "form": form, "conflict": conflict},
    )


@lead_required
@require_POST
def draft_transition(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation, pk=pk)
    try:
        services.recommendation_transition(
            recommendation=recommendation, to=request.POST.get("to", ""), by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "The status is changed.")
    return redirect(recommendation)


@lead_required
def draft_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare two versions of a draft: two edits of it, or the same component's draft in another run."""
    recommendation = get_object_or_404(Recommendation.objects.select_related("run", "component"), pk=pk)
    history = list(recommendation.history.order_by("history_id"))
    left_id, right_id = request.GET.get("a"), request.GET.get("b")
    by_id = {str(h.history_id): h for h in history}
    left = by_id.get(left_id) or (history[0] if history else None)
    right = by_id.get(right_id) or (history[-1] if history else None)
    other_runs = (
        Recommendation.objects.filter(component=recommendation.component, number=recommendation.number)
        .exclude(pk=recommendation.pk)
        .select_related("run")
        .order_by("-run_id")[:10]
    )
    other = other_runs.filter(pk=request.GET.get("other")).first() if request.GET.get("other") else None
    if other is not None:
        left, right = other, recommendation

    def lines(version) -> list[str]:
        return [f"Title: {version.title}", "", f"Objective: {version.objective}", ""] + [
            f"- {s['text']} [{', '.join(s.get('references', []))}]" for s in version.rationale
        ]

    diff = []
    if left is not None and right is not None:
        diff = list(difflib.unified_diff(lines(left), lines(right), "earlier", "later", lineterm="", n=2))
    return render(
        request,
        "recommendations/draft_compare.html",
        {
            "rec": recommendation,
            "history": history,
            "left": left,
            "right": right,
            "diff": diff,
            "other_runs": other_runs,
        },
    )
