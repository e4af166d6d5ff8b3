"""Redis as Django's cache, without making Redis a single point of failure for the web pages.

The cache holds nothing that must survive (sign-in throttling counters, locks around them, responses'
rendered summaries keyed by their last change: evidence/summaries.py): when Redis cannot be reached, each
web process carries on with its own in-memory cache for a few seconds at a time and logs a warning,
instead of answering every sign-in with a server error. Throttling then counts per process until Redis
is back, which still slows a brute-force attempt down.
"""

from __future__ import annotations

import logging
import time
from functools import partialmethod

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ResilientRedisCache(RedisCache):
    retry_after = 5.0  # seconds between attempts to reach Redis again once it failed

    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"mmip-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._unreachable_until = 0.0

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self._unreachable_until:
            try:
                return getattr(super(), method)(*args, **kwargs)
            except UNREACHABLE as exc:
                log.warning("Cache: Redis unreachable (%s); using this process's memory for %ss", exc, self.retry_after)
                self._unreachable_until = time.monotonic() + self.retry_after
        return getattr(self._fallback, method)(*args, **kwargs)

    add = partialmethod(_call, "add")
    get = partialmethod(_call, "get")
    set = partialmethod(_call, "set")
    touch = partialmethod(_call, "touch")
    delete = partialmethod(_call, "delete")
    get_many = partialmethod(_call, "get_many")
    has_key = partialmethod(_call, "has_key")
    incr = partialmethod(_call, "incr")
    set_many = partialmethod(_call, "set_many")
    delete_many = partialmethod(_call, "delete_many")
    clear = partialmethod(_call, "clear")
