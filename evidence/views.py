"""The submitter journey's pages.

Thin: fetch through evidence.permissions, call a service, redirect or render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import (
    AboutForm,
    AnswersForm,
    AttachmentForm,
    ConfidentialityForm,
    DataPointForm,
    OrganisationForm,
)
from .models import Answer, Consultation, DataPoint, EcosystemComponent, Membership, Question, Submission
from .permissions import attachment_for_user, submission_for_user

# The sections of a response, in order: (url name, title).
SECTIONS = [
    ("section_about", "About your response"),
    ("section_answers", "Answers by component"),
    ("section_data", "Data points"),
    ("section_attachments", "Files"),
    ("section_confidentiality", "Confidentiality and consent"),
]
SECTION_FOR_PROBLEM = {
    "about": "section_about",
    "answers": "section_answers",
    "confidentiality": "section_confidentiality",
}


def _next_section(current: str) -> str:
    names = [name for name, _ in SECTIONS]
    index = names.index(current)
    return names[index + 1] if index + 1 < len(names) else "check_answers"


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _closed_page(request: HttpRequest, consultation: Consultation, message: str) -> HttpResponse:
    """The consultation is closed (or not open yet) or the response withdrawn: say so plainly (403)."""
    return render(
        request, "evidence/closed.html", {"consultation": consultation, "message": message}, status=403
    )


def _refuse_changes(request: HttpRequest, submission: Submission) -> HttpResponse | None:
    if submission.status == Submission.Status.WITHDRAWN:
        return _closed_page(
            request,
            submission.consultation,
            f"Response {submission.reference} has been withdrawn and can no longer be changed.",
        )
    if not submission.consultation.is_open():
        message = services.closed_message(submission.consultation)
        return _closed_page(request, submission.consultation, message)
    return None


def _section_context(submission: Submission, current: str, **extra) -> dict:
    return {
        "submission": submission,
        "sections": SECTIONS,
        "current_section": current,
        "section_title": dict(SECTIONS).get(current, ""),
        **extra,
    }


# --- Public pages ----------------------------------------------------------------------------------------


def _landing(request: HttpRequest, consultation: Consultation | None) -> HttpResponse:
    components = consultation.components.active() if consultation else EcosystemComponent.objects.active()
    organisation = services.organisation_for(request.user) if request.user.is_authenticated else None
    current = None
    if consultation and organisation:
        current = (
            Submission.objects.for_organisation(organisation.pk)
            .filter(consultation=consultation)
            .exclude(status=Submission.Status.WITHDRAWN)
            .order_by("-pk")
            .first()
        )
    return render(
        request,
        "evidence/home.html",
        {
            "consultation": consultation,
            "components": components,
            "questions": consultation.questions.select_related("component") if consultation else [],
            "organisation": organisation,
            "current": current,
            "confidentiality_choices": Submission.Confidentiality.choices,
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    consultation = Consultation.objects.open_now().first()
    if consultation is None:
        consultation = Consultation.objects.order_by("-opens_at").first()
    return _landing(request, consultation)


def consultation(request: HttpRequest, slug: str) -> HttpResponse:
    return _landing(request, get_object_or_404(Consultation, slug=slug))


# --- Organisation ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest) -> HttpResponse:
    membership = Membership.objects.select_related("organisation").filter(user=request.user).first()
    instance = membership.organisation if membership else None
    form = OrganisationForm(request.POST or None, instance=instance, membership=membership)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_save(
                user=request.user,
                organisation=form.save(commit=False),
                sub_sectors=form.cleaned_data["sub_sectors"],
                job_title=form.cleaned_data["job_title"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your details have been saved.")
            return redirect(next_url or "evidence:my_submissions")
    return render(request, "evidence/organisation.html", {"form": form, "next": next_url})


# --- My submissions --------------------------------------------------------------------------------------


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    organisation = services.organisation_for(request.user)
    submissions = []
    if organisation:
        submissions = list(
            Submission.objects.for_organisation(organisation.pk)
            .select_related("consultation")
            .order_by("-pk")
        )
    open_consultations = list(Consultation.objects.open_now())
    return render(
        request,
        "evidence/my_submissions.html",
        {"organisation": organisation, "submissions": submissions, "open_consultations": open_consultations},
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    if services.organisation_for(request.user) is None:
        messages.info(request, "Tell us who you are responding for first.")
        return redirect(f"{reverse('evidence:organisation')}?next={consultation.get_absolute_url()}")
    try:
        submission = services.submission_start(consultation=consultation, user=request.user)
    except ValidationError as exc:
        return _closed_page(request, consultation, " ".join(exc.messages))
    return redirect("evidence:section_about", public_id=submission.public_id)


@login_required
def submission_detail(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    return render(
        request,
        "evidence/submission_detail.html",
        _section_context(
            submission,
            "",
            versions=submission.versions.order_by("-number"),
            problems=services.submission_problems(submission),
            **_response_parts(submission),
        ),
    )


def _response_parts(submission: Submission) -> dict:
    answers = {a.question_id: a for a in submission.answers.all()}
    questions = submission.consultation.questions.select_related("component")
    return {
        "answered_questions": [(q, answers.get(q.pk)) for q in questions],
        "data_points": submission.data_points.select_related("indicator", "geography", "component"),
        "attachments": submission.attachments.all(),
    }


@login_required
def version_detail(request: HttpRequest, public_id, number: int) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    version = get_object_or_404(submission.versions, number=number)
    return render(request, "evidence/version_detail.html", {"submission": submission, "version": version})


# --- Sections --------------------------------------------------------------------------------------------


def _submission_section(request: HttpRequest, public_id, form_class, section: str) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    form = form_class(request.POST or None, instance=submission)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        try:
            services.submission_update(submission=submission, by=request.user, data=data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"“{dict(SECTIONS)[section]}” saved as a draft.")
            return redirect(f"evidence:{_next_section(section)}", public_id=submission.public_id)
    return render(request, "evidence/section_form.html", _section_context(submission, section, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def section_about(request: HttpRequest, public_id) -> HttpResponse:
    return _submission_section(request, public_id, AboutForm, "section_about")


@login_required
@require_http_methods(["GET", "POST"])
def section_confidentiality(request: HttpRequest, public_id) -> HttpResponse:
    return _submission_section(request, public_id, ConfidentialityForm, "section_confidentiality")


@login_required
@require_http_methods(["GET", "POST"])
def section_answers(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    questions = list(
        Question.objects.filter(consultation=submission.consultation).select_related("component")
    )
    saved = dict(Answer.objects.filter(submission=submission).values_list("question_id", "text"))
    form = AnswersForm(request.POST or None, questions=questions, initial_answers=saved)
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_save_answers(submission=submission, by=request.user, answers=form.answers())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your answers have been saved as a draft.")
            return redirect("evidence:section_data", public_id=submission.public_id)
    return render(
        request, "evidence/section_form.html", _section_context(submission, "section_answers", form=form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_data(request: HttpRequest, public_id, pk: int | None = None) -> HttpResponse:
    """The response's data points, and a form to add one (or change the one named by ``pk``)."""
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    instance = get_object_or_404(DataPoint, pk=pk, submission=submission) if pk else DataPoint()
    form = DataPointForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.datapoint_save(submission=submission, by=request.user, data_point=form.instance)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The data point has been saved.")
            return redirect("evidence:section_data", public_id=submission.public_id)
    data_points = submission.data_points.select_related("indicator", "geography")
    return render(
        request,
        "evidence/section_data.html",
        _section_context(submission, "section_data", form=form, data_points=data_points, editing=pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def datapoint_delete(request: HttpRequest, public_id, pk: int) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    data_point = get_object_or_404(DataPoint, pk=pk, submission=submission)
    if request.method == "POST":
        services.datapoint_delete(submission=submission, by=request.user, data_point=data_point)
        messages.success(request, "The data point has been deleted.")
        return redirect("evidence:section_data", public_id=submission.public_id)
    return render(
        request,
        "evidence/confirm_delete.html",
        _section_context(submission, "section_data", thing=str(data_point), cancel="evidence:section_data"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_attachments(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    form = AttachmentForm(
        request.POST or None, request.FILES or None, max_bytes=settings.MMIP_UPLOAD_MAX_BYTES
    )
    if request.method == "POST" and form.is_valid():
        try:
            attachment = services.attachment_add(
                submission=submission,
                upload=form.cleaned_data["file"],
                by=request.user,
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, f"“{attachment.original_name}” has been uploaded.")
            return redirect("evidence:section_attachments", public_id=submission.public_id)
    return render(
        request,
        "evidence/section_attachments.html",
        _section_context(
            submission,
            "section_attachments",
            form=form,
            attachments=submission.attachments.all(),
            per_submission=settings.MMIP_UPLOADS_PER_SUBMISSION,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request: HttpRequest, public_id, attachment_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    attachment = get_object_or_404(submission.attachments, public_id=attachment_id)
    if request.method == "POST":
        services.attachment_delete(submission=submission, by=request.user, attachment=attachment)
        messages.success(request, f"“{attachment.original_name}” has been deleted.")
        return redirect("evidence:section_attachments", public_id=submission.public_id)
    return render(
        request,
        "evidence/confirm_delete.html",
        _section_context(
            submission,
            "section_attachments",
            thing=attachment.original_name,
            cancel="evidence:section_attachments",
        ),
    )


# --- Check, submit, confirm, withdraw --------------------------------------------------------------------


def _check_page(request: HttpRequest, submission: Submission, errors=(), status: int = 200) -> HttpResponse:
    problems = services.submission_problems(submission)
    return render(
        request,
        "evidence/check_answers.html",
        _section_context(
            submission,
            "check_answers",
            problems=[(SECTION_FOR_PROBLEM[key], text) for key, text in problems.items()],
            errors=errors,
            **_response_parts(submission),
        ),
        status=status,
    )


@login_required
def check_answers(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    return _check_page(request, submission)


@login_required
def submit(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if request.method != "POST":
        return redirect("evidence:check_answers", public_id=submission.public_id)
    already = submission.status == Submission.Status.SUBMITTED and not submission.has_unsubmitted_changes
    if already:
        # A second POST (back button, refresh, another tab): the response is already in.
        return redirect("evidence:confirmation", public_id=submission.public_id)
    if refused := _refuse_changes(request, submission):
        return refused
    try:
        services.submission_submit(submission=submission, by=request.user)
    except ValidationError as exc:
        return _check_page(request, submission, errors=exc.messages, status=400)
    return redirect("evidence:confirmation", public_id=submission.public_id)


@login_required
def confirmation(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if submission.status != Submission.Status.SUBMITTED:
        return redirect(submission)
    return render(request, "evidence/confirmation.html", {"submission": submission})


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if submission.status == Submission.Status.WITHDRAWN:
        messages.info(request, "This response has already been withdrawn.")
        return redirect(submission)
    if refused := _refuse_changes(request, submission):
        return refused
    if submission.status != Submission.Status.SUBMITTED:
        messages.info(request, "Only a submitted response can be withdrawn; this one is still a draft.")
        return redirect(submission)
    if request.method == "POST":
        services.submission_withdraw(submission=submission, by=request.user)
        messages.success(request, f"Response {submission.reference} has been withdrawn.")
        return redirect(submission)
    return render(request, "evidence/withdraw.html", {"submission": submission})


# --- Files -----------------------------------------------------------------------------------------------


@login_required
def attachment_download(request: HttpRequest, public_id) -> FileResponse:
    attachment = attachment_for_user(request.user, public_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
