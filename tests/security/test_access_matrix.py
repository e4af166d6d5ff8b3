"""Every route against every role, from the outside. A new route without a row here fails the test."""

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from evidence.models import Attachment, SubmissionVersion
from recommendations import services
from recommendations.exports.jobs import export_make
from recommendations.models import CompilationRun, Export, Recommendation
from tests import factories
from tests.downloads import downloaded, kept

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "owner", "reviewer", "reviewer_confidential", "lead", "admin"]
LOGIN = 302  # sent to sign in
NOT_FOUND, FORBIDDEN, NOT_ALLOWED = 404, 403, 405


def row(anonymous, outsider, owner, reviewer, reviewer_confidential, lead, admin):
    return dict(zip(ROLES, [anonymous, outsider, owner, reviewer, reviewer_confidential, lead, admin], strict=True))


PUBLIC = row(200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = row(LOGIN, 200, 200, 200, 200, 200, 200)
OWNER_ONLY = row(LOGIN, NOT_FOUND, 200, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
POST_ONLY = row(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
LEADS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 200, 200)
LEADS_POST_ONLY = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED)
STAFF = row(LOGIN, LOGIN, LOGIN, 200, 200, 200, 200)


@pytest.fixture
def world(consultation, submitter, outsider, reviewer, lead, tmp_path, django_capture_on_commit_callbacks):
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        organisation=submitter.membership.organisation,
        created_by=submitter,
        review_state="reviewed",
    )
    SubmissionVersion.objects.create(submission=submission, number=1, snapshot={"summary": "x"}, created_by=submitter)
    point = factories.DataPointFactory(submission=submission)
    secret = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        organisation=submitter.membership.organisation,
        created_by=submitter,
        confidentiality="confidential",
        confidentiality_reason="prices",
        reference="MMIP-0900",
        reference_number=900,
    )

    def attach(owner, name):
        attachment = Attachment(
            submission=owner,
            original_name=name,
            kind="txt",
            content_type="text/plain",
            size=5,
            sha256=hashlib.sha256(name.encode()).hexdigest(),
            uploaded_by=submitter,
        )
        attachment.file.save(name, ContentFile(b"hello"), save=True)
        return attachment

    open_file, secret_file = attach(submission, "open.txt"), attach(secret, "secret.txt")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=consultation, by=lead)
    run.refresh_from_db()
    recommendation = Recommendation.objects.create(
        run=run, component=factories.component("skills"), number=9, title="Fund skills", objective="For SMEs"
    )
    export = Export.objects.create(kind="register", format="csv", consultation=consultation, requested_by=lead)
    export_make(export_id=export.pk)
    users = {
        "anonymous": None,
        "outsider": outsider,
        "owner": submitter,
        "reviewer": reviewer,
        "reviewer_confidential": factories.UserFactory(username="rosa", groups=["Reviewer", "Confidential evidence"]),
        "lead": lead,
        "admin": factories.UserFactory(username="ada", groups=["Administrator"]),
    }
    users["admin"].is_superuser = True
    users["admin"].save()
    assert not users["reviewer"].has_perm("evidence.view_confidential")
    assert Permission.objects.filter(codename="view_confidential").exists()
    sid = {"public_id": submission.public_id}
    # What a 200 from each download route must deliver: (file name, content type, bytes).
    downloads = {
        "evidence:attachment_download": ("open.txt", "text/plain", b"hello"),
        "evidence:attachment_download (confidential)": ("secret.txt", "text/plain", b"hello"),
        "recommendations:export_download": (export.filename, "text/csv", kept(export)),
    }
    matrix = {
        # evidence
        "evidence:home": ("/", PUBLIC),
        "evidence:health": (reverse("evidence:health"), PUBLIC),
        "evidence:consultation": (reverse("evidence:consultation", args=[consultation.slug]), PUBLIC),
        "evidence:start": (reverse("evidence:start", args=[consultation.slug]), POST_ONLY),
        "evidence:organisation": (reverse("evidence:organisation"), SIGNED_IN),
        "evidence:my_submissions": (reverse("evidence:my_submissions"), SIGNED_IN),
        **{
            f"evidence:{name}": (reverse(f"evidence:{name}", kwargs=sid), OWNER_ONLY)
            for name in [
                "submission_detail",
                "section_about",
                "section_answers",
                "section_data_points",
                "section_attachments",
                "section_confidentiality",
                "check_answers",
                "confirmation",
                "withdraw",
            ]
        },
        "evidence:data_point_edit": (
            reverse("evidence:data_point_edit", kwargs={**sid, "pk": point.pk}),
            OWNER_ONLY,
        ),
        "evidence:version_detail": (reverse("evidence:version_detail", kwargs={**sid, "number": 1}), OWNER_ONLY),
        "evidence:submit": (reverse("evidence:submit", kwargs=sid), POST_ONLY),
        # Asks first: the confirmation page is the owner's only.
        "evidence:data_point_delete": (
            reverse("evidence:data_point_delete", kwargs={**sid, "pk": point.pk}),
            OWNER_ONLY,
        ),
        "evidence:attachment_delete": (
            reverse("evidence:attachment_delete", kwargs={**sid, "attachment_id": open_file.public_id}),
            POST_ONLY,
        ),
        "evidence:attachment_download": (
            reverse("evidence:attachment_download", args=[open_file.public_id]),
            row(LOGIN, NOT_FOUND, 200, 200, 200, 200, 200),
        ),
        "evidence:attachment_download (confidential)": (
            reverse("evidence:attachment_download", args=[secret_file.public_id]),
            row(LOGIN, NOT_FOUND, 200, NOT_FOUND, 200, 200, 200),
        ),
        # recommendations (the leads' area) and the public page
        "you_said_we_did": (reverse("you_said_we_did", args=[consultation.slug]), PUBLIC),
        "recommendations:dashboard_home": (
            reverse("recommendations:dashboard_home"),
            row(LOGIN, 403, 403, 403, 403, 302, 302),
        ),
        "recommendations:dashboard": (reverse("recommendations:dashboard", args=[consultation.slug]), LEADS),
        "recommendations:dashboard_refresh": (
            reverse("recommendations:dashboard_refresh", args=[consultation.slug]),
            LEADS_POST_ONLY,
        ),
        "recommendations:runs": (reverse("recommendations:runs"), LEADS),
        "recommendations:start": (reverse("recommendations:start"), LEADS_POST_ONLY),
        "recommendations:run_detail": (reverse("recommendations:run_detail", args=[run.pk]), LEADS),
        "recommendations:run_themes": (reverse("recommendations:run_themes", args=[run.pk]), LEADS_POST_ONLY),
        "recommendations:draft_detail": (reverse("recommendations:draft_detail", args=[recommendation.pk]), LEADS),
        "recommendations:draft_edit": (reverse("recommendations:draft_edit", args=[recommendation.pk]), LEADS),
        "recommendations:draft_transition": (
            reverse("recommendations:draft_transition", args=[recommendation.pk]),
            LEADS_POST_ONLY,
        ),
        "recommendations:draft_criteria": (
            reverse("recommendations:draft_criteria", args=[recommendation.pk]),
            LEADS_POST_ONLY,
        ),
        "recommendations:draft_compare": (
            reverse("recommendations:draft_compare", args=[recommendation.pk]),
            LEADS,
        ),
        "recommendations:exports": (reverse("recommendations:exports"), LEADS),
        "recommendations:export_start": (reverse("recommendations:export_start"), LEADS_POST_ONLY),
        "recommendations:export_download": (reverse("recommendations:export_download", args=[export.pk]), LEADS),
        # the reviewers' admin
        "admin:evidence_submission_changelist": (reverse("admin:evidence_submission_changelist"), STAFF),
        "admin:evidence_submission_agreement": (reverse("admin:evidence_submission_agreement"), STAFF),
        "admin:evidence_othermeasure_changelist": (reverse("admin:evidence_othermeasure_changelist"), STAFF),
    }
    return users, downloads, matrix


def test_every_route_answers_each_role_as_expected(client, world):
    users, downloads, matrix = world
    failures, files_checked = [], 0
    for name, (url, expected) in matrix.items():
        for role in ROLES:
            client.logout()
            if users[role] is not None:
                client.force_login(users[role])
            response = client.get(url)
            if response.status_code != expected[role]:
                failures.append(f"{name} as {role}: {response.status_code}, expected {expected[role]}")
            elif name in downloads and response.status_code == 200:
                filename, content_type, body = downloads[name]
                if downloaded(response, filename=filename, content_type=content_type) != body:
                    failures.append(f"{name} as {role}: the download's bytes are not the stored file's")
                files_checked += 1
    assert not failures, "\n".join(failures)
    assert files_checked == sum(list(matrix[name][1].values()).count(200) for name in downloads)


def test_every_named_route_of_the_app_has_a_row_in_the_matrix(world):
    _, _, matrix = world
    covered = {name.split(" ")[0] for name in matrix}
    resolver = get_resolver()
    names = set()
    for namespace in ("evidence", "recommendations"):
        _, sub = resolver.namespace_dict[namespace]
        names |= {f"{namespace}:{key}" for key in sub.reverse_dict if isinstance(key, str)}
    names |= {key for key in resolver.reverse_dict if isinstance(key, str) and key == "you_said_we_did"}
    assert len(names) >= 30, names  # the resolver really listed the routes
    missing = sorted(names - covered)
    assert not missing, f"routes without an access-matrix row: {missing}"


def test_a_confidential_export_is_hidden_from_a_lead_without_the_permission(client, world, consultation):
    users, _, _ = world
    secret_export = Export.objects.create(
        kind="register", format="csv", consultation=consultation, requested_by=users["admin"], include_confidential=True
    )
    export_make(export_id=secret_export.pk)
    plain_lead = factories.UserFactory(username="lou", groups=["Lead"])
    client.force_login(plain_lead)
    assert client.get(reverse("recommendations:export_download", args=[secret_export.pk])).status_code == 404
    client.force_login(users["lead"])  # holds the confidential permission
    response = client.get(reverse("recommendations:export_download", args=[secret_export.pk]))
    body = downloaded(response, filename=secret_export.filename, content_type="text/csv")
    assert body == kept(secret_export) and b"MMIP-0900" in body
    assert CompilationRun.objects.exists()
