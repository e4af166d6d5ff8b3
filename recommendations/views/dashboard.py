"""The leads' dashboard: where the consultation stands, and whose voices are missing."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from evidence.models import Consultation

from .. import dashboard
from ..permissions import lead_required


@lead_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    consultation = Consultation.objects.open_now().first() or Consultation.objects.first()
    if consultation is None:
        return render(request, "recommendations/dashboard.html", {"board": None})
    return redirect("recommendations:dashboard", slug=consultation.slug)


@lead_required
def dashboard_view(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    board = dashboard.build(consultation)
    charts = {
        "perDay": {
            "labels": [d for d, _, _ in board.per_day],
            "daily": [n for _, n, _ in board.per_day],
            "cumulative": [c for _, _, c in board.per_day],
        },
        "byType": {"labels": [k for k, _ in board.by_type], "values": [v for _, v in board.by_type]},
        "byRegion": {"labels": [k for k, _ in board.by_region], "values": [v for _, v in board.by_region]},
        "review": {"labels": [k for k, _ in board.review], "values": [v for _, v in board.review]},
    }
    return render(
        request,
        "recommendations/dashboard.html",
        {"board": board, "charts": charts, "consultations": Consultation.objects.all()},
    )
