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


def test_the_signed_in_user_comes_with_django_s_permissions(people, django_assert_num_queries):
    """Read for a session, a user carries exactly ModelBackend's permissions; on PostgreSQL in the same
    statement as the user's row, so asking costs nothing more."""
    from django.db import connection

    from evidence.backends import AuthenticationBackend

    for person in people:
        expected = ModelBackend().get_all_permissions(_fresh(person))
        with django_assert_num_queries(1):
            user = AuthenticationBackend().get_user(person.pk)
        if user is None:  # an inactive account signs nobody in
            assert not person.is_active
            continue
        asked = 1 if user.is_superuser or connection.vendor != "postgresql" else 0
        with django_assert_num_queries(asked):
            assert user.get_all_permissions() == expected, person.username
            assert user.has_perm("evidence.lead_consultation") == ("evidence.lead_consultation" in expected)


def test_a_wrong_password_is_checked_once_not_once_per_backend(submitter, mocker, rf):
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import check_password

    submitter.set_password("right horse battery")
    submitter.save()
    checks = mocker.patch("django.contrib.auth.base_user.check_password", side_effect=check_password)
    assert authenticate(rf.get("/"), email=submitter.email, password="wrong") is None
    assert checks.call_count == 1
    assert authenticate(rf.get("/"), email=submitter.email, password="right horse battery") == submitter
