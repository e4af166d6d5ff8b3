"""Pages of the submitter journey. Views fetch through the permission helpers, call a service, then
redirect or render; rule violations come back as ValidationErrors shown on the page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services, summaries
from .forms import (
    AboutForm,
    AnswersForm,
    AttachmentForm,
    ConfidentialityForm,
    ConfirmForm,
    DataPointForm,
    OrganisationForm,
)
from .models import Consultation, DataPoint, EcosystemComponent, Membership, Submission
from .permissions import attachment_for_user, organisation_id_for, submission_for_user
from .receipts import site_url


def _bound(request: HttpRequest, files: bool = False) -> tuple:
    """Form data for a POST (even an empty one, so missing fields are reported), nothing for a GET."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _next(request: HttpRequest, default: str) -> str:
    """Where to go after a save: the form's ``next`` if it is a page of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def _refuse(request: HttpRequest, error: ValidationError, submission: Submission) -> HttpResponse:
    for message in _messages_of(error):
        messages.error(request, message)
    return redirect(submission.get_absolute_url())


# --- Public pages ---------------------------------------------------------------------------------------


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and the load benchmark's baseline: the app answers and reads one row."""
    Consultation.objects.values_list("pk", flat=True).first()
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    consultation = Consultation.objects.open_now().prefetch_related("components").first()
    if consultation is None:
        consultation = Consultation.objects.prefetch_related("components").first()
    return _consultation_page(request, consultation)


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation.objects.prefetch_related("components"), slug=slug)
    return _consultation_page(request, consultation)


def _consultation_page(request: HttpRequest, consultation: Consultation | None) -> HttpResponse:
    components = consultation.components.filter(is_active=True) if consultation else EcosystemComponent.objects.active()
    existing = None
    organisation_id = organisation_id_for(request.user)
    if consultation and organisation_id:
        existing = (
            Submission.objects.filter(consultation=consultation, organisation_id=organisation_id)
            .exclude(status=Submission.Status.WITHDRAWN)
            .first()
        )
    return render(
        request,
        "evidence/home.html",
        {
            "consultation": consultation,
            "components": components,
            "is_open": bool(consultation and consultation.is_open()),
            "existing": existing,
            "confidentiality_choices": Submission.Confidentiality.choices,
        },
    )


# --- Organisation ---------------------------------------------------------------------------------------


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    membership = Membership.objects.select_related("organisation").filter(user=request.user).first()
    instance = membership.organisation if membership else None
    initial = {"job_title": membership.job_title} if membership else {}
    form = OrganisationForm(*_bound(request), instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in ("name", "organisation_type", "size_band", "region")}
        data["sub_sectors"] = form.cleaned_data["sub_sectors"]
        data["job_title"] = form.cleaned_data["job_title"]
        try:
            services.organisation_save(user=request.user, data=data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your organisation details are saved.")
            if starting := _starting(request):
                # They came here from "Start your response": carry on into it, no second press.
                return _start_response(request, starting)
            return redirect(_next(request, reverse("evidence:my_submissions")))
    return render(
        request,
        "evidence/organisation.html",
        {"form": form, "membership": membership, "starting": _starting(request)},
    )


def _starting(request: HttpRequest) -> Consultation | None:
    """The consultation whose "Start your response" led here (``?start=slug``), if any."""
    slug = request.POST.get("start") or request.GET.get("start")
    return Consultation.objects.filter(slug=slug).first() if slug else None


def _start_response(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    try:
        submission = services.submission_start(consultation=consultation, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(consultation.get_absolute_url())
    return redirect("evidence:section_about", public_id=submission.public_id)


# --- The response ---------------------------------------------------------------------------------------


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    organisation_id = organisation_id_for(request.user)
    submissions = (
        Submission.objects.for_organisation(organisation_id).select_related("consultation").order_by("-created_at")
        if organisation_id
        else Submission.objects.none()
    )
    open_consultations = Consultation.objects.open_now()
    return render(
        request,
        "evidence/my_submissions.html",
        {
            "submissions": submissions,
            "has_organisation": organisation_id is not None,
            "open_consultations": open_consultations,
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_object_or_404(Consultation, slug=slug)
    if organisation_id_for(request.user) is None:
        messages.info(request, "First, tell us who you are responding for. Your response starts as soon as you save.")
        return redirect(f"{reverse('evidence:organisation')}?start={consultation.slug}")
    return _start_response(request, consultation)


@login_required
def submission_detail(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    editable = submission.can_be_edited()
    summary = summaries.response_summary(submission, editable=editable, versions=True)
    return render(
        request,
        "evidence/submission_detail.html",
        {
            "submission": submission,
            "summary": summary.html,
            "problems": services.submission_problems(submission, has_answers=summary.has_answers),
            "editable": editable,
        },
    )


def _conflict_rows(form, current: dict, yours: dict) -> list[tuple[str, str, str]]:
    """(label, saved version, your version) of each field that differs, for the conflict panel."""
    rows = []
    for name, saved in current.items():
        mine = yours.get(name, "")
        if str(saved if saved is not None else "").strip() != str(mine if mine is not None else "").strip():
            field = form.fields.get(name)
            rows.append((field.label if field else name, _shown(field, saved), _shown(field, mine)))
    return rows


def _shown(field, value) -> str:
    """A saved or typed value as the submitter would recognise it (the label of a choice, yes/no)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = dict(getattr(field, "choices", []) or []) if field is not None else {}
    return str(choices.get(value, value) or "(empty)")


def _rebound(form_class, request, conflict, **form_kwargs):
    """Your form as you sent it, carrying the fingerprint of what is saved now: saving it again replaces
    the other version deliberately."""
    data = request.POST.copy()
    data["fingerprint"] = conflict.fingerprint
    form = form_class(data, **form_kwargs)
    form.is_valid()
    return form


def _section(request, public_id, form_class, template, fields, save) -> HttpResponse:
    """A section page, and its save. A save reads the response once: the form is checked on its own (it
    validates only the section's fields), then the service finds the response by its id, checks that it is
    the user's and locks it, in one statement. The page is read again only to show a refusal."""
    form = conflict_rows = None
    if request.method == "POST":
        form = form_class(request.POST, instance=Submission(), fingerprint="")
        if form.is_valid():
            try:
                save(public_id, form)
            except Submission.DoesNotExist:
                raise Http404("No such response.") from None
            except services.EditConflict as conflict:
                form = _rebound(form_class, request, conflict, instance=submission_for_user(request.user, public_id))
                conflict_rows = _conflict_rows(form, conflict.current, form.cleaned_data)
            except ValidationError as error:
                if getattr(error, "code", None) in {"closed", "withdrawn"}:
                    return _refuse(request, error, submission_for_user(request.user, public_id))
                form.add_error(None, error)
            else:
                messages.success(request, "Saved as a draft. You can come back to it later.")
                return redirect(_next(request, reverse("evidence:submission_detail", args=[public_id])))
    submission = submission_for_user(request.user, public_id)
    if form is None:
        current = services.fingerprint(services.submission_values(submission, fields))
        form = form_class(instance=submission, fingerprint=current)
    else:
        form.instance = submission  # a refused save's form, shown over the response as it is saved
    return render(
        request,
        template,
        {
            "submission": submission,
            "form": form,
            "editable": submission.can_be_edited(),
            "conflict_rows": conflict_rows,
        },
    )


ABOUT_FIELDS = ("summary", "declared_interests")
CONFIDENTIALITY_FIELDS = ("confidentiality", "confidentiality_reason", "consent_to_publish")


@login_required
def section_about(request: HttpRequest, public_id) -> HttpResponse:
    def save(public_id, form):
        services.submission_update(
            public_id=public_id,
            by=request.user,
            data={f: form.cleaned_data[f] for f in ABOUT_FIELDS},
            expected=form.expected(),
        )

    return _section(request, public_id, AboutForm, "evidence/section_about.html", ABOUT_FIELDS, save)


@login_required
def section_confidentiality(request: HttpRequest, public_id) -> HttpResponse:
    def save(public_id, form):
        services.submission_update(
            public_id=public_id,
            by=request.user,
            data={f: form.cleaned_data[f] for f in CONFIDENTIALITY_FIELDS},
            expected=form.expected(),
        )

    return _section(
        request, public_id, ConfidentialityForm, "evidence/section_confidentiality.html", CONFIDENTIALITY_FIELDS, save
    )


@login_required
def section_answers(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    questions = list(submission.consultation.questions.select_related("component"))
    saved = services.answers_values(submission)

    def make(data=None, fingerprint=""):
        answers = {q.pk: saved[f"q{q.pk}"] for q in questions}
        return AnswersForm(
            data, questions=questions, answers=answers, proposals=submission.proposals, fingerprint=fingerprint
        )

    form = make(*_bound(request), fingerprint=services.fingerprint(saved))
    conflict_rows = None
    if request.method == "POST" and form.is_valid():
        try:
            services.answers_section_save(
                submission=submission,
                by=request.user,
                answers=form.answers(),
                proposals=form.cleaned_data["proposals"],
                expected=form.expected(),
            )
        except services.EditConflict as conflict:
            data = request.POST.copy()
            data["fingerprint"] = conflict.fingerprint
            form = make(data)
            form.is_valid()
            conflict_rows = _conflict_rows(form, conflict.current, form.cleaned_data)
        except ValidationError as error:
            if getattr(error, "code", None) in {"closed", "withdrawn"}:
                return _refuse(request, error, submission)
            form.add_error(None, error)
        else:
            messages.success(request, "Your answers are saved as a draft.")
            return redirect(_next(request, submission.get_absolute_url()))
    return render(
        request,
        "evidence/section_answers.html",
        {
            "submission": submission,
            "form": form,
            "editable": submission.can_be_edited(),
            "conflict_rows": conflict_rows,
        },
    )


@login_required
def section_data_points(request: HttpRequest, public_id, pk: int | None = None) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    instance = DataPoint.objects.filter(pk=pk, submission=submission).first() if pk else None
    removed = pk is not None and instance is None
    if removed and request.method != "POST":
        raise Http404("No such data point.")
    fingerprint = services.fingerprint(services.data_point_values(instance)) if instance else ""
    form = DataPointForm(
        *_bound(request), instance=instance, consultation=submission.consultation, fingerprint=fingerprint
    )
    conflict = None
    if removed:
        # Removed in another tab or by a colleague while this form was open: keep what was typed, as a new one.
        form.is_valid()
        form.add_error(
            None,
            "This data point was removed (in another tab or by a colleague) after you opened it. Your figures "
            "are still in the form: add it again if you still need it.",
        )
    elif request.method == "POST" and form.is_valid():
        try:
            services.data_point_save(
                submission=submission, by=request.user, data_point=form.instance, expected=form.expected()
            )
        except services.EditConflict as clash:
            data = request.POST.copy()
            data["fingerprint"] = clash.fingerprint
            # Two copies of the saved row: one shown as theirs, one the form fills with yours.
            conflict = DataPoint.objects.select_related("indicator", "geography").get(pk=pk)
            form = DataPointForm(data, instance=DataPoint.objects.get(pk=pk), consultation=submission.consultation)
            form.is_valid()
        except ValidationError as error:
            if getattr(error, "code", None) in {"closed", "withdrawn"}:
                return _refuse(request, error, submission)
            form.add_error(None, error)
        else:
            messages.success(request, "The data point is saved.")
            return redirect("evidence:section_data_points", public_id=submission.public_id)
    return render(
        request,
        "evidence/section_data_points.html",
        {
            "submission": submission,
            "form": form,
            "editing": None if removed else instance,
            "conflict_data_point": conflict,
            "data_points": submission.data_points.select_related("indicator", "geography"),
            "editable": submission.can_be_edited(),
        },
    )


@login_required
def data_point_delete(request: HttpRequest, public_id, pk: int) -> HttpResponse:
    """Asks first (GET), removes on the confirmation (POST)."""
    submission = submission_for_user(request.user, public_id)
    data_point = get_object_or_404(
        DataPoint.objects.select_related("indicator", "geography"), pk=pk, submission=submission
    )
    if request.method != "POST":
        return render(
            request,
            "evidence/data_point_delete.html",
            {"submission": submission, "dp": data_point, "editable": submission.can_be_edited()},
        )
    try:
        services.data_point_delete(data_point=data_point, by=request.user)
    except ValidationError as error:
        return _refuse(request, error, submission)
    messages.success(request, "The data point was removed.")
    return redirect("evidence:section_data_points", public_id=submission.public_id)


@login_required
def section_attachments(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    form = AttachmentForm(*_bound(request, files=True))
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(
                submission=submission,
                upload=form.cleaned_data["file"],
                by=request.user,
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) in {"closed", "withdrawn"}:
                return _refuse(request, error, submission)
            form.add_error("file", error)
        else:
            messages.success(request, "The file is attached.")
            return redirect("evidence:section_attachments", public_id=submission.public_id)
    return render(
        request,
        "evidence/section_attachments.html",
        {
            "submission": submission,
            "form": form,
            "attachments": submission.attachments.without_text(),
            "editable": submission.can_be_edited(),
            "max_size": settings.MMIP_UPLOAD_MAX_BYTES,
        },
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, public_id, attachment_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    attachment = get_object_or_404(submission.attachments, public_id=attachment_id)
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except ValidationError as error:
        return _refuse(request, error, submission)
    messages.success(request, f"“{attachment.original_name}” was removed.")
    return redirect("evidence:section_attachments", public_id=submission.public_id)


@login_required
def check_answers(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    editable = submission.can_be_edited()
    summary = summaries.response_summary(submission, editable=editable)
    return render(
        request,
        "evidence/check_answers.html",
        {
            "submission": submission,
            "summary": summary.html,
            "editable": editable,
            "problems": services.submission_blockers(submission, has_answers=summary.has_answers),
            "can_submit": submission.can_be_submitted(),
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, public_id) -> HttpResponse:
    # The ownership check and the submit's row lock are one statement: someone else's response is a 404.
    try:
        submission = services.submission_submit(public_id=public_id, by=request.user, site_url=site_url(request))
    except Submission.DoesNotExist:
        raise Http404("No such response.") from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("evidence:check_answers", public_id=public_id)
    return redirect("evidence:confirmation", public_id=submission.public_id)


@login_required
def confirmation(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    if submission.status != Submission.Status.SUBMITTED:
        return redirect(submission.get_absolute_url())
    return render(request, "evidence/confirmation.html", {"submission": submission})


@login_required
def withdraw(request: HttpRequest, public_id) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    form = ConfirmForm(*_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_withdraw(submission=submission, by=request.user)
        except ValidationError as error:
            return _refuse(request, error, submission)
        messages.success(request, f"Your response {submission.reference} was withdrawn.")
        return redirect("evidence:my_submissions")
    return render(request, "evidence/withdraw.html", {"submission": submission, "form": form})


@login_required
def version_detail(request: HttpRequest, public_id, number: int) -> HttpResponse:
    submission = submission_for_user(request.user, public_id)
    version = get_object_or_404(submission.versions, number=number)
    return render(request, "evidence/version_detail.html", {"submission": submission, "version": version})


@login_required
def attachment_download(request: HttpRequest, public_id) -> HttpResponse:
    attachment = attachment_for_user(request.user, public_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
