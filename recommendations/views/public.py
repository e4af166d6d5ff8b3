"""'You said, we did': what the evidence said and what was recommended, once approved. Public; nothing
confidential and nothing unapproved."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from evidence.models import Consultation, Submission

from ..models import Recommendation, Theme


def you_said_we_did(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    approved = list(
        Recommendation.objects.filter(run__consultation=consultation, status=Recommendation.Status.APPROVED)
        .select_related("component", "run")
        .order_by("component__order", "-run_id", "number")
    )
    # Only themes a lead approved, with the approved wording: of each component, the newest run that has any.
    themes: dict[int, list[dict]] = {}
    newest: dict[int, int] = {}
    for theme in Theme.objects.approved().filter(run__consultation=consultation).order_by("-run_id", "number"):
        if newest.setdefault(theme.component_id, theme.run_id) != theme.run_id:
            continue
        themes.setdefault(theme.component_id, []).append(theme)
    # Quotes are checked against the responses as they are now, not as they were when the run was
    # compiled: a response withdrawn or made confidential since then is never quoted in public.
    quoted = {q["reference"] for found in themes.values() for t in found for q in t.quotes if q.get("public")}
    publishable = set(
        Submission.objects.filter(
            consultation=consultation,
            reference__in=quoted,
            status=Submission.Status.SUBMITTED,
            confidentiality=Submission.Confidentiality.PUBLISHABLE,
            consent_to_publish=True,
        ).values_list("reference", flat=True)
    )
    shown: dict[int, list[dict]] = {
        component_id: [
            {
                "label": t.public_label,
                "size": t.size,
                "supports": t.supports,
                "opposes": t.opposes,
                "mixed": t.mixed,
                "quotes": [q for q in t.quotes if q.get("public") and q["reference"] in publishable],
            }
            for t in found
        ]
        for component_id, found in themes.items()
    }
    sections = []
    for component in consultation.components.filter(is_active=True).order_by("order"):
        recs = [r for r in approved if r.component_id == component.pk]
        if recs:
            sections.append({"component": component, "themes": shown.get(component.pk, []), "recommendations": recs})
    return render(request, "recommendations/you_said_we_did.html", {"consultation": consultation, "sections": sections})
