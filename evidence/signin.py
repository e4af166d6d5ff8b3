"""Signing in to see evidence: one way in (allauth's, with its rate limits) and a second factor for
everyone who can see more than their own responses.

- The admin's own sign-in form is replaced by allauth's flow, so ``/admin/login/`` is throttled like
  ``/accounts/login/`` and cannot skip the second factor.
- Staff accounts and accounts holding the confidential-evidence permission must set up a second factor
  (allauth.mfa: an authenticator app, with recovery codes) before any page other than the account pages
  opens. Submitters may opt in from their account pages.
- In development ``MMIP_MFA_EXEMPT_IN_DEVELOPMENT`` exempts the demo accounts (their password is printed by
  ``make run``) and superusers (a developer's own, made by ``createsuperuser``); every other staff account
  still sets one up. A system check refuses that setting in production.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.views import LoginView
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

CONFIDENTIAL_PERMISSION = "evidence.view_confidential"
DEMO_DOMAIN = "@demo.mmip"
SESSION_KEY = "second_factor"  # {"user": pk, "required": bool}: decided once per session and user


def needs_second_factor(user) -> bool:
    """Who must use a second factor: anyone who can see other organisations' evidence."""
    if not user.is_authenticated:
        return False
    if settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT and (
        user.is_superuser or (user.email or "").lower().endswith(DEMO_DOMAIN)
    ):
        return False
    return user.is_staff or user.has_perm(CONFIDENTIAL_PERMISSION)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def decide(request: HttpRequest, user) -> bool:
    """Decided at sign-in (user_logged_in) and kept in the session, so pages cost no query for it."""
    required = needs_second_factor(user) and not has_second_factor(user)
    request.session[SESSION_KEY] = {"user": user.pk, "required": required}
    return required


def _still_required(request: HttpRequest) -> bool:
    state = request.session.get(SESSION_KEY)
    if not state or state.get("user") != request.user.pk:
        return decide(request, request.user)  # a session from before the rule, or after a change
    return state["required"]


def forget_decision(request: HttpRequest | None) -> None:
    """After an authenticator is added or removed, decide again on the next request."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)


class RequireSecondFactorMiddleware:
    """Sends an account that must use a second factor, and has none yet, to set one up first."""

    # The pages that stay open meanwhile: allauth's account pages (sign out, set up the authenticator,
    # recovery codes), static files and the health checks.
    open_prefixes = ("/accounts/", "/static/", "/healthz", "/readyz", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.open_prefixes)
            and _still_required(request)
        ):
            messages.info(
                request,
                "Your account can see other organisations' evidence, so it needs two-factor authentication. "
                "Set up an authenticator app to continue.",
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """``admin.site.login``: the admin signs in through allauth, with the same limits and second factor."""
    if request.user.is_authenticated:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = reverse("admin:index")
        return redirect(target)
    if request.method == "POST":
        # A bookmarked admin form posts "username"; allauth's form calls it "login". Either way the attempt
        # goes through allauth: counted, throttled (HTTP 429) and followed by the second factor.
        data = request.POST.copy()
        if not data.get("login") and data.get("username"):
            data["login"] = data["username"]
        request.POST = data
        return LoginView.as_view()(request)
    query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
    return redirect(f"{reverse('account_login')}?{query}")


@checks.register(checks.Tags.security)
def check_second_factor_exemption(app_configs, **kwargs):
    if settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT and not settings.DEBUG:
        return [
            checks.Error(
                "MMIP_MFA_EXEMPT_IN_DEVELOPMENT is on in production: demo accounts, whose password is public, "
                "and superusers could see confidential evidence without a second factor.",
                hint="Unset MMIP_MFA_EXEMPT_IN_DEVELOPMENT (it is for development only).",
                id="mmip.E101",
            )
        ]
    return []
