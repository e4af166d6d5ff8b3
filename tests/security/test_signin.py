"""One way in for staff: the admin signs in through allauth (throttled, with a second factor), and anyone
who can see other organisations' evidence sets up a second factor before seeing anything."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from evidence.signin import check_second_factor_exemption
from tests import factories
from tests.security.test_confidential_admin import SECRETS, plant

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_without_second_factor(db):
    return factories.UserFactory(username="newlead", groups=["Lead", "Confidential evidence"], second_factor=False)


def test_admin_sign_in_is_throttled_like_the_sites(reviewer):
    client = Client()
    codes = [
        client.post("/admin/login/", {"username": reviewer.email, "password": f"wrong-{n}"}).status_code
        for n in range(14)
    ]
    last = client.post("/admin/login/", {"username": reviewer.email, "password": factories.PASSWORD})
    body = last.content.decode().lower()
    assert 429 in codes or "too many" in body
    # And the right password, once throttled, still does not get in.
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_with_the_right_password_goes_through_allauths_second_factor(reviewer):
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": reviewer.email, "password": factories.PASSWORD})
    # The reviewer has an authenticator app: allauth asks for its code before signing in.
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_page_sends_people_to_the_sites_sign_in():
    response = Client().get("/admin/login/?next=/admin/evidence/submission/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2Fevidence%2Fsubmission%2F" in response["Location"]


def test_staff_without_a_second_factor_see_nothing_until_they_set_one_up(consultation, staff_without_second_factor):
    conf, _, _ = plant(consultation, coder=staff_without_second_factor)
    client = Client()
    signed_in = client.post(
        reverse("account_login"), {"login": staff_without_second_factor.email, "password": factories.PASSWORD}
    )
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    for url in (
        reverse("admin:evidence_submission_change", args=[conf.pk]),
        reverse("admin:index"),
        reverse("recommendations:dashboard_home"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
        assert not [secret for secret in SECRETS if secret in response.content.decode()]
    # allauth asks for the password again before a second factor is changed, then shows the set-up page.
    confirm = client.get(reverse("mfa_activate_totp"))
    assert confirm.status_code == 302 and confirm["Location"].startswith(reverse("account_reauthenticate"))
    page = client.post(confirm["Location"], {"password": factories.PASSWORD}, follow=True)
    assert page.status_code == 200 and "authenticator app" in page.content.decode().lower()
    assert page.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp"))
    # Once an authenticator is set up (allauth's signal), the same session sees the response.
    from allauth.mfa import signals
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    totp = TOTP.activate(staff_without_second_factor, generate_totp_secret())
    request = type("R", (), {"session": client.session})()
    signals.authenticator_added.send(
        sender=Authenticator, request=request, user=staff_without_second_factor, authenticator=totp.instance
    )
    request.session.save()
    body = client.get(reverse("admin:evidence_submission_change", args=[conf.pk])).content.decode()
    assert SECRETS[0] in body


def test_a_submitter_needs_no_second_factor_but_may_set_one_up(submitter):
    client = Client()
    client.force_login(submitter)
    assert client.get(reverse("evidence:my_submissions")).status_code == 200
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200 and reverse("mfa_activate_totp") in page.content.decode()


def test_a_confidential_evidence_holder_who_is_not_staff_also_needs_one(db):
    holder = factories.UserFactory(username="cora", groups=["Confidential evidence"], second_factor=False)
    client = Client()
    client.force_login(holder)
    assert client.get(reverse("evidence:my_submissions"))["Location"].startswith(reverse("mfa_activate_totp"))


def test_demo_accounts_and_superusers_are_exempt_only_in_development(settings):
    settings.DEBUG = True
    call_command("seed_demo", submissions=0, verbosity=0)
    from django.contrib.auth import get_user_model

    reviewer = get_user_model().objects.get(email="reviewer@demo.mmip")
    settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT = True
    client = Client()
    client.force_login(reviewer)
    assert client.get(reverse("admin:index")).status_code == 200
    settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT = False
    client = Client()
    client.force_login(reviewer)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("mfa_activate_totp"))
    # A developer's superuser is exempt in development too; other staff never are.
    settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT = True
    superuser = get_user_model().objects.create_superuser("dev", "dev@example.org", "dev-pass-123")
    staff = factories.UserFactory(username="newrev", groups=["Reviewer"], second_factor=False)
    for user, code in ((superuser, 200), (staff, 302)):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == code, user
    # The system check refuses the exemption in production, and is quiet in development.
    settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT = True
    settings.DEBUG = False
    assert [e.id for e in check_second_factor_exemption(None)] == ["mmip.E101"]
    settings.DEBUG = True
    assert check_second_factor_exemption(None) == []


def test_everyone_reaches_their_account_security_page_from_the_header(submitter):
    client = Client()
    client.force_login(submitter)
    page = client.get(reverse("evidence:my_submissions")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in page
