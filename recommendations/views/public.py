"""'You said, we did': what the evidence said and what was recommended, once approved. Public; nothing
confidential and nothing unapproved."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from evidence.models import Consultation, Submission

from ..models import ComponentResult, Recommendation


def you_said_we_did(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    approved = list(
        Recommendation.objects.filter(run__consultation=consultation, status=Recommendation.Status.APPROVED)
        .select_related("component", "run")
        .order_by("component__order", "-run_id", "number")
    )
    runs = {rec.run_id for rec in approved}
    results = ComponentResult.objects.filter(run_id__in=runs).select_related("component")
    themes: dict[int, list] = {}
    for result in sorted(results, key=lambda r: -r.run_id):
        if result.component_id not in themes:  # the newest run with approved drafts speaks for the component
            themes[result.component_id] = result.data.get("themes", [])
    # Quotes are checked against the responses as they are now, not as they were when the run was
    # compiled: a response withdrawn or made confidential since then is never quoted in public.
    quoted = {q["reference"] for found in themes.values() for t in found for q in t["quotes"] if q.get("public")}
    publishable = set(
        Submission.objects.filter(
            consultation=consultation,
            reference__in=quoted,
            status=Submission.Status.SUBMITTED,
            confidentiality=Submission.Confidentiality.PUBLISHABLE,
            consent_to_publish=True,
        ).values_list("reference", flat=True)
    )
    for component_id, found in themes.items():
        themes[component_id] = [
            {
                "label": t["label"],
                "size": t["size"],
                "quotes": [q for q in t["quotes"] if q.get("public") and q["reference"] in publishable],
            }
            for t in found
        ]
    sections = []
    for component in consultation.components.filter(is_active=True).order_by("order"):
        recs = [r for r in approved if r.component_id == component.pk]
        if recs:
            sections.append({"component": component, "themes": themes.get(component.pk, []), "recommendations": recs})
    return render(request, "recommendations/you_said_we_did.html", {"consultation": consultation, "sections": sections})
