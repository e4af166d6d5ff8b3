from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Consultation, EcosystemComponent


def home(request: HttpRequest) -> HttpResponse:
    consultation = Consultation.objects.open_now().prefetch_related("components").first()
    components = consultation.components.all() if consultation else EcosystemComponent.objects.active()
    return render(request, "evidence/home.html", {"consultation": consultation, "components": components})
