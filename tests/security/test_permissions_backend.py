"""The one-query permission backend gives exactly Django's ModelBackend answers."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from evidence.backends import PermissionsInOneQueryBackend
from tests import factories

pytestmark = pytest.mark.django_db


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def people(submitter, reviewer, lead):
    direct = factories.UserFactory(username="dana", groups=["Reviewer"])
    direct.user_permissions.add(Permission.objects.get(codename="lead_consultation"))
    inactive = factories.UserFactory(username="ivy", groups=["Lead"], is_active=False)
    superuser = factories.UserFactory(username="sue", is_superuser=True)
    return [submitter, reviewer, lead, direct, inactive, superuser]


def test_it_answers_as_django_does_for_every_kind_of_user(people):
    for user in people:
        expected = ModelBackend().get_all_permissions(_fresh(user))
        assert PermissionsInOneQueryBackend().get_all_permissions(_fresh(user)) == expected, user.username
    dana = _fresh(people[3])
    assert dana.has_perm("evidence.lead_consultation") and dana.has_perm("evidence.review_submission")
    assert not _fresh(people[4]).has_perm("evidence.lead_consultation")  # inactive
    assert not _fresh(people[0]).has_perm("evidence.review_submission")  # a submitter


def test_a_pages_permission_checks_cost_one_query(lead, django_assert_num_queries):
    user = _fresh(lead)
    with django_assert_num_queries(1):  # user and group permissions together, then cached on the user
        assert user.has_perm("evidence.lead_consultation")
        assert user.has_perm("evidence.view_confidential")
        assert not user.has_perm("evidence.no_such_permission")
