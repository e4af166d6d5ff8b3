"""The dual-review pages reached from the changelist and the change page: agreement between the two rounds
(Cohen's kappa) and a lead resolving a disagreement."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from ... import review
from ...models import Consultation, ReviewRound, Stance, Submission
from ...suggestions import quality as suggestion_quality


class DualReviewPages:
    """Mixed into SubmissionAdmin: the views its ``get_urls`` adds."""

    def agreement_view(self, request):
        if not request.user.has_perm("evidence.review_submission"):
            raise PermissionDenied
        consultation_id = request.GET.get("consultation") or None
        overall, per_component = review.agreement(int(consultation_id) if consultation_id else None)
        coding = review.coding_agreement(int(consultation_id) if consultation_id else None)
        suggested = suggestion_quality(int(consultation_id) if consultation_id else None)
        disagreements = (
            Submission.objects.filter(has_disagreement=True)
            .select_related("organisation")
            .order_by("reference_number")[:200]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Dual-review agreement",
            "overall": overall,
            "per_component": per_component,
            "coding": coding,
            "suggestions": suggested,
            "disagreements": disagreements,
            "consultations": Consultation.objects.all(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/evidence/agreement.html", context)

    def resolve_view(self, request, pk):
        if not request.user.has_perm("evidence.lead_consultation"):
            raise PermissionDenied
        submission = get_object_or_404(self.get_queryset(request), pk=pk)
        first = review.coding(submission.pk, ReviewRound.FIRST)
        second = review.coding(submission.pk, ReviewRound.SECOND)
        first_stance = review.stance_coding(submission.pk, ReviewRound.FIRST)
        second_stance = review.stance_coding(submission.pk, ReviewRound.SECOND)
        components = submission.consultation.components.all()
        error = None
        if request.method == "POST":
            final = {
                c.pk: request.POST.get(f"grade_{c.pk}")
                for c in components
                if request.POST.get(f"grade_{c.pk}") in {"A", "B", "C", "D"}
            }
            stances = {
                c.pk: request.POST.get(f"stance_{c.pk}")
                for c in components
                if request.POST.get(f"stance_{c.pk}") in Stance.values
            }
            try:
                review.resolve_disagreement(
                    submission=submission,
                    by=request.user,
                    final=final,
                    note=request.POST.get("note", ""),
                    stances=stances,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                self.message_user(request, f"Disagreement on {submission.reference} resolved.")
                return redirect("admin:evidence_submission_change", submission.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resolve the disagreement on {submission.reference}",
            "submission": submission,
            "rows": [
                (c, first.get(c.pk), second.get(c.pk), first_stance.get(c.pk), second_stance.get(c.pk))
                for c in components
            ],
            "stances": Stance.choices,
            "kind_pairs": [p for p in review.excerpt_pairs([submission.pk]) if p[2] != p[3]],
            "error": error,
            "opts": self.model._meta,
            "grades": ["A", "B", "C", "D"],
        }
        return TemplateResponse(request, "admin/evidence/resolve.html", context)
