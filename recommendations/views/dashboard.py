"""The leads' dashboard: where the consultation stands, and whose voices are missing."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Consultation

from .. import dashboard
from ..permissions import lead_required


@lead_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    consultation = Consultation.objects.open_now().first() or Consultation.objects.first()
    if consultation is None:
        return render(request, "recommendations/dashboard.html", {"board": None})
    return redirect("recommendations:dashboard", slug=consultation.slug)


def _series(pairs: list[tuple[str, int]]) -> dict:
    return {"labels": [k for k, _ in pairs], "values": [v for _, v in pairs]}


@lead_required
def dashboard_view(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    board = dashboard.current(consultation)
    # The charts' numbers travel as JSON (json_script) to static/js/dashboard.js: the CSP allows no
    # inline script. Every chart has a table of the same numbers beside it.
    charts = {
        "perDay": board.timeline,
        "byType": _series(board.by_type),
        "byRegion": _series(board.by_region),
        "bySize": _series(board.by_size),
        "review": _series(board.review),
    }
    return render(
        request,
        "recommendations/dashboard.html",
        {"board": board, "charts": charts, "consultations": Consultation.objects.only("slug", "title")},
    )


@lead_required
@require_POST
def dashboard_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    """Recompute the figures now ("Recompute now"): after a lead's change that the page should show."""
    consultation = get_object_or_404(Consultation, slug=slug)
    dashboard.refresh(consultation)
    return redirect("recommendations:dashboard", slug=consultation.slug)
