"""Leads request exports (made by a Celery task), follow them and download the kept files."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Consultation

from ..exports.jobs import CONFIDENTIAL_PERMISSION, export_open, export_request
from ..models import CompilationRun, Export
from ..permissions import lead_required


def _visible(user):
    """Exports a lead may see and download: confidential ones only with the permission."""
    exports = Export.objects.select_related("consultation", "run", "requested_by")
    if not user.has_perm(CONFIDENTIAL_PERMISSION):
        exports = exports.filter(include_confidential=False)
    return exports


@lead_required
def export_list(request: HttpRequest) -> HttpResponse:
    exports = list(_visible(request.user)[:50])
    log = {"exports": exports, "busy": any(e.state in {Export.State.QUEUED, Export.State.RUNNING} for e in exports)}
    if request.GET.get("log"):  # htmx polling while an export is being made
        return render(request, "recommendations/exports_log.html", log)
    return render(
        request,
        "recommendations/exports.html",
        {
            **log,
            "runs": CompilationRun.objects.filter(state=CompilationRun.State.SUCCEEDED).select_related("consultation")[
                :20
            ],
            "consultations": Consultation.objects.all(),
            "can_confidential": request.user.has_perm(CONFIDENTIAL_PERMISSION),
            "pack_formats": [(f, label) for f, label in Export.Format.choices if f in {"docx", "pdf", "md", "json"}],
        },
    )


@lead_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    fmt = request.POST.get("format", "")
    include_confidential = request.POST.get("include_confidential") == "on"
    try:
        if kind == Export.Kind.PACK:
            run = CompilationRun.objects.filter(pk=_int(request.POST.get("run"))).select_related("consultation").first()
            if run is None:
                raise ValidationError("Choose a compilation run.")
            export = export_request(
                kind=kind,
                fmt=fmt,
                consultation=run.consultation,
                run=run,
                by=request.user,
                include_confidential=include_confidential,
                approved_only=request.POST.get("approved_only") == "on",
            )
        elif kind == Export.Kind.REGISTER:
            consultation = Consultation.objects.filter(pk=_int(request.POST.get("consultation"))).first()
            if consultation is None:
                raise ValidationError("Choose a consultation.")
            export = export_request(
                kind=kind,
                fmt=fmt,
                consultation=consultation,
                by=request.user,
                include_confidential=include_confidential,
            )
        else:
            raise ValidationError("Choose what to export: a recommendation pack or the evidence register.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("recommendations:exports")
    messages.success(request, f"Export {export.pk} queued: it appears below when ready.")
    return redirect("recommendations:exports")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@lead_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(_visible(request.user), pk=pk, origin=Export.Origin.WEB)
    if export.state != Export.State.DONE:
        raise Http404("This export has no file (yet).")
    handle = export_open(export)
    if handle is None:
        raise Http404("The file is no longer kept.")
    response = FileResponse(handle, as_attachment=True, filename=export.filename)
    response["Cache-Control"] = "private, no-store"
    return response
