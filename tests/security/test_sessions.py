"""Sessions: Django's database sessions, read with one plain statement."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from evidence.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_in_one_statement(django_assert_num_queries):
    assert settings.SESSION_ENGINE == "evidence.sessions"
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    with django_assert_num_queries(1) as captured:
        assert SessionStore(store.session_key).load() == {"_auth_user_id": "42"}
    assert "expire_date" in captured.captured_queries[0]["sql"]


def test_an_expired_or_unknown_session_reads_as_none():
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore("bad key!").load() == {}


def test_signing_in_and_out_works_through_it(client, submitter):
    client.force_login(submitter)
    assert client.get("/responses/").status_code == 200
    client.logout()
    assert client.get("/responses/").status_code == 302


def test_expired_sessions_are_deleted_daily_by_beat(client, submitter):
    from evidence.tasks import clear_expired_sessions

    assert settings.CELERY_BEAT_SCHEDULE["expired-sessions"]["task"] == "evidence.tasks.clear_expired_sessions"
    client.force_login(submitter)
    live = client.session.session_key
    stale = SessionStore()
    stale.create()
    Session.objects.filter(session_key=stale.session_key).update(expire_date=timezone.now() - dt.timedelta(days=1))
    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert client.get("/responses/").status_code == 200
