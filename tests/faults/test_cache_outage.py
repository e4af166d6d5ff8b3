"""Redis is also the cache (sign-in throttling). Redis down must not turn sign-ins or submits into
server errors: the cache falls back to each process's memory, throttling still counts, and Redis is
used again once it is back. Uses a private redis-server, never the shared one."""

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from evidence.models import Submission
from mmip.cache import ResilientRedisCache
from tests import factories
from tests.faults.private_redis import PrivateRedis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.redis_server,
]


@pytest.fixture
def redis_cache(settings, monkeypatch):
    server = PrivateRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "mmip.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    monkeypatch.setattr(ResilientRedisCache, "retry_after", 0.0)  # try Redis again at every call
    yield server
    server.close()


def test_the_cache_uses_redis_while_it_is_up(redis_cache):
    cache.set("probe", 41)
    assert cache.incr("probe") == 42
    assert redis.Redis.from_url(redis_cache.url).dbsize() == 1


def test_sign_in_and_submit_work_while_redis_is_down_and_throttling_still_counts(client, consultation, redis_cache):
    member = factories.MembershipFactory()
    redis_cache.stop()
    url = reverse("account_login")

    response = client.post(url, {"login": member.user.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.user.pk)

    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=member.organisation, created_by=member.user
    )
    response = client.post(reverse("evidence:submit", kwargs={"public_id": submission.public_id}))
    assert response.status_code == 302 and response["Location"].endswith("/confirmation/")
    assert Submission.objects.get(pk=submission.pk).reference == "MMIP-0001"

    client.logout()
    other = factories.MembershipFactory().user
    for _ in range(5):
        assert client.post(url, {"login": other.email, "password": "wrong-password"}).status_code == 200
    refused = client.post(url, {"login": other.email, "password": factories.PASSWORD})
    assert "Too many failed login attempts" in refused.content.decode()

    redis_cache.start()
    cache.set("probe", 1)
    assert redis.Redis.from_url(redis_cache.url).exists(cache.make_and_validate_key("probe"))
