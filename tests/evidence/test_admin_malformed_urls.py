"""Issue 18: a malformed admin address (``/admin/evidence/submission/70/change/history/``, a version id that is
not a number) is answered "not found", never with a server error (a 500 pages the people on call)."""

import pytest
from django.contrib import admin
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

HISTORY = ["{pk}/change/history/", "70/change/history/", "{pk}/history/abc/", "abc/history/", "70/history/"]
OTHERS = ["{pk}/change/change/", "{pk}/change/delete/", "{pk}x/change/", "change/{pk}/", "%2e%2e/{pk}/change/"]


@pytest.fixture
def superuser_client():
    client = Client(raise_request_exception=False)
    client.force_login(factories.UserFactory(username="ada", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=str)
def test_malformed_admin_urls_are_not_found_not_server_errors(superuser_client, model):
    submission = factories.SubmittedSubmissionFactory(consultation=factories.ConsultationFactory(slug="mmip-2026"))
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    statuses = {}
    for suffix in HISTORY + OTHERS:
        url = base + suffix.format(pk=submission.pk)
        statuses[url] = superuser_client.get(url).status_code
    # Not found (404), or, as Django's admin answers for an object that was deleted, a redirect to the index
    # with a message (302); never a page (200) nor a server error (500).
    wrong = {url: status for url, status in statuses.items() if status not in (302, 403, 404)}
    assert not wrong, wrong
