"""A database connection dropped in the middle of a submit: nothing partial is kept (no reference used,
no version, no queued work), and the submitter's retry then succeeds with the next gap-free reference."""

import pytest
from django.db import OperationalError
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
    assert response.status_code == 500
    assert "server closed the connection" not in response.content.decode()  # no internals shown
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
