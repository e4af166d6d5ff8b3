"""Signed-in sessions for the load-test accounts (one session key a line), as a sign-in would leave them,
so a page benchmark measures the page and not Argon2."""

import sys
from importlib import import_module

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402

engine = import_module(settings.SESSION_ENGINE)
for user in get_user_model().objects.filter(username__startswith="load-").order_by("pk")[: int(sys.argv[1])]:
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    print(session.session_key)
