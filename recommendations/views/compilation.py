"""Leads start a compilation and follow its progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Consultation

from .. import services
from ..forms import StartCompilationForm
from ..models import CompilationRun, Theme
from ..permissions import lead_required


@lead_required
def runs(request: HttpRequest) -> HttpResponse:
    form = StartCompilationForm(consultations=Consultation.objects.all())
    recent = CompilationRun.objects.select_related("consultation", "started_by")[:30]
    return render(request, "recommendations/runs.html", {"form": form, "runs": recent})


@lead_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    form = StartCompilationForm(request.POST, consultations=Consultation.objects.all())
    if not form.is_valid():
        recent = CompilationRun.objects.select_related("consultation", "started_by")[:30]
        return render(request, "recommendations/runs.html", {"form": form, "runs": recent}, status=400)
    try:
        run = services.compilation_start(
            consultation=form.cleaned_data["consultation"],
            by=request.user,
            parameters={"source": "lead area"},
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("recommendations:runs")
    messages.success(request, f"Compilation run {run.pk} started.")
    return redirect(run)


def _outcome(run: CompilationRun) -> dict:
    """What the run made: its components' results, themes and drafts."""
    themes: dict = {}
    for theme in run.themes.shown().select_related("component", "approved_by"):
        themes.setdefault(theme.component, []).append(theme)
    return {
        "results": run.results.select_related("component"),
        "recommendations": run.recommendations.select_related("component").prefetch_related(
            "criteria", "also_components"
        ),
        "themes": list(themes.items()),
    }


@lead_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(CompilationRun.objects.select_related("consultation", "started_by"), pk=pk)
    if request.htmx:
        # The progress poll: nothing (204, nothing swapped or announced again) while the run is as the page
        # shows it; the progress when it moved; the progress and the outcome, once, when the run ends.
        if request.GET.get("seen") == f"{run.state}-{run.components_done}":
            return HttpResponse(status=204)
        context = {"run": run}
        if run.is_finished:
            context.update(_outcome(run), finished_now=True)
        return render(request, "recommendations/_progress.html", context)
    context = {"run": run, **_outcome(run)}
    return render(request, "recommendations/run_detail.html", context)


@lead_required
@require_POST
def run_themes(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead renames, approves or merges the themes of a run."""
    run = get_object_or_404(CompilationRun, pk=pk)
    action = request.POST.get("action")
    ids = [int(i) for i in request.POST.getlist("theme") if i.isdigit()]
    chosen = list(Theme.objects.filter(run=run, pk__in=ids).order_by("number"))
    label = request.POST.get("label")
    try:
        if not chosen:
            raise ValidationError("Choose a theme first.")
        if action == "rename":
            services.theme_rename(theme=chosen[0], label=label or "", by=request.user)
            messages.success(request, f"Theme renamed to “{label}”; approve it to publish the wording.")
        elif action == "approve":
            theme = services.theme_approve(theme=chosen[0], by=request.user, label=label or None)
            messages.success(request, f"Theme “{theme.label}” approved: this wording may be published.")
        elif action == "merge":
            theme = services.theme_merge(themes=chosen, label=label or "", by=request.user)
            messages.success(request, f"{len(chosen)} themes merged into “{theme.label}”.")
        else:
            raise ValidationError("Unknown action: rename, approve or merge a theme.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(f"{run.get_absolute_url()}#themes")
