"""A database connection dropped in the middle of a submit: nothing partial is kept (no reference used,
no version, no queued work), and the submitter's retry then succeeds with the next gap-free reference."""

import re
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from evidence.models import OutboxTask, Submission, SubmissionVersion
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_dropped_connection_mid_submit_leaves_nothing_partial_and_a_retry_succeeds(
    submitter, consultation, mocker, django_capture_on_commit_callbacks
):
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )
    client = Client(raise_request_exception=False)
    client.force_login(submitter)
    url = reverse("evidence:submit", kwargs={"public_id": submission.public_id})
    # The connection dies after the reference was taken and the response updated, before the version row.
    mocker.patch(
        "evidence.services.SubmissionVersion.objects.create",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    )
    response = client.post(url)
    page = response.content.decode()
    assert response.status_code == 503 and "Your response was not submitted" in page
    assert "Submit my response again" in page and f'action="{url}"' in page
    assert "server closed the connection" not in page  # no internals shown
    submission.refresh_from_db()
    consultation.refresh_from_db()
    assert (submission.status, submission.reference, consultation.last_reference_number) == ("draft", "", 0)
    assert not SubmissionVersion.objects.exists() and not OutboxTask.objects.exists()

    mocker.stopall()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.reference == "MMIP-0001" and Submission.objects.filter(reference="MMIP-0001").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres(reason="the server kills a backend")
def test_a_connection_killed_by_the_server_mid_submit_leaves_nothing_partial_and_a_retry_succeeds(
    live_db, live_server, mocker
):
    """Not a mock: PostgreSQL terminates the web request's own connection between the response's UPDATE and
    the version INSERT, through a live server that handles the retry on a fresh connection as in production."""
    consultation = factories.ConsultationFactory()
    member = factories.MembershipFactory()
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=member.organisation, created_by=member.user
    )
    session = Client()
    session.force_login(member.user)
    cookies = {settings.SESSION_COOKIE_NAME: session.cookies[settings.SESSION_COOKIE_NAME].value}
    check = f"{live_server.url}{reverse('evidence:check_answers', kwargs={'public_id': submission.public_id})}"
    submit = f"{live_server.url}{reverse('evidence:submit', kwargs={'public_id': submission.public_id})}"

    def fetch(url: str, data: dict | None = None) -> tuple[int, str]:
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        request = urllib.request.Request(
            url, data=urlencode(data).encode() if data else None, headers={"Cookie": header, "Referer": check}
        )
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310 (the live test server)
                for line in response.headers.get_all("Set-Cookie") or []:
                    cookies.update({name: morsel.value for name, morsel in SimpleCookie(line).items()})
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def post_submit() -> int:
        status, page = fetch(check)
        assert status == 200 and "Check your answers" in page, "not signed in"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return fetch(submit, {"csrfmiddlewaretoken": token})[0]

    create = SubmissionVersion.objects.create
    killed = []

    def kill_my_connection_then_create(**kwargs):
        pid = connection.connection.info.backend_pid  # the server thread's own connection
        with psycopg.connect(**_dsn(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        killed.append(pid)
        return create(**kwargs)

    mocker.patch("evidence.services.SubmissionVersion.objects.create", side_effect=kill_my_connection_then_create)
    assert post_submit() == 503 and killed  # the page that says it was not submitted
    submission.refresh_from_db()
    consultation.refresh_from_db()
    assert (submission.status, submission.reference, consultation.last_reference_number) == ("draft", "", 0)
    assert not SubmissionVersion.objects.exists() and not OutboxTask.objects.exists()

    mocker.stopall()
    assert post_submit() == 200  # redirected to the confirmation page, on a new connection
    submission.refresh_from_db()
    assert submission.reference == "MMIP-0001" and submission.status == "submitted"
    assert SubmissionVersion.objects.filter(submission=submission).count() == 1


def test_a_dropped_connection_during_a_draft_save_keeps_what_was_typed(submitter, consultation, mocker):
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )
    client = Client(raise_request_exception=False)
    client.force_login(submitter)
    url = reverse("evidence:section_about", kwargs={"public_id": submission.public_id})
    mocker.patch("evidence.services.submission_update", side_effect=OperationalError("connection lost"))
    typed = "Our Speke site employs 400 people.\nWe cannot recruit <process> engineers & technicians."
    response = client.post(url, {"summary": typed, "declared_interests": ""})
    page = response.content.decode()
    assert response.status_code == 503 and "Your changes were not saved" in page
    # Exactly what was typed, escaped, in a form that sends it again to the same page.
    assert "We cannot recruit &lt;process&gt; engineers &amp; technicians." in page
    assert f'action="{url}"' in page and 'name="summary"' in page and "csrfmiddlewaretoken" in page
    submission.refresh_from_db()
    assert submission.summary == factories.SubmissionFactory.summary  # nothing half-saved


def test_other_errors_and_other_pages_are_not_dressed_up(submitter, consultation, mocker):
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )
    client = Client(raise_request_exception=False)
    client.force_login(submitter)
    url = reverse("evidence:section_about", kwargs={"public_id": submission.public_id})
    mocker.patch("evidence.services.submission_update", side_effect=ValueError("a bug"))
    assert client.post(url, {"summary": "x"}).status_code == 500


def _dsn() -> dict:
    db = connection.settings_dict
    return {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "dbname": db["NAME"]} | (
        {"password": db["PASSWORD"]} if db["PASSWORD"] else {}
    )
