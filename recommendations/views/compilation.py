"""Leads start a compilation and follow its progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Consultation

from .. import services
from ..forms import StartCompilationForm
from ..models import CompilationRun
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


@lead_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(CompilationRun.objects.select_related("consultation", "started_by"), pk=pk)
    context = {"run": run}
    if request.htmx:
        # The progress poll: a small fragment, refreshed until the run ends.
        if run.is_finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "recommendations/_progress.html", context)
    context["results"] = run.results.select_related("component")
    context["recommendations"] = run.recommendations.select_related("component").prefetch_related("criteria")
    return render(request, "recommendations/run_detail.html", context)
