"""The API's throttles, per token and per client address, counted in the "ratelimit"
cache (Redis in production, REDIS_THROTTLE_URL, so every process shares the counts).
Rates come from settings.API_THROTTLE_RATES at each request, so they can be configured
and tested.

DRF's SimpleRateThrottle keeps a list of times that it reads, changes and writes back,
so requests arriving together each read the same list and all get through (issue 23:
624 through a limit of 600 with 8 threads). Here each request is one atomic increment
(tracker.accounts.count: cache.add then Redis INCR) of a counter per fixed window, and
the limit is a sliding window made of two (as Cloudflare's and nginx's are): a request
is let through while this window's count plus the previous window's, weighted by how
much of it still lies within one period, is within the rate. Requests arriving together
each get a count of their own, so the limit holds exactly; a refused request is taken
back off the count, so a client sending too fast still gets its rate. Two counters of a
few bytes each, where DRF kept one time per request.

When the counter cannot be kept (Redis down, or full and refusing writes) the request is
refused with a 503 problem+json and Retry-After ("try again later"): a throttle that
cannot count lets nothing through, and never turns a request into a 500."""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from tracker.accounts import RETRY_AFTER_SECONDS, ThrottleStoreUnavailable, count
from tracker.security import client_ip, ops_log

from .models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ThrottleUnavailable(exceptions.APIException):
    """The throttle's store cannot count: nothing is served (api.problems makes it a
    503 problem+json with Retry-After, from `wait`)."""

    status_code = 503
    default_detail = (
        "The API cannot take requests just now because of a problem with the service. "
        "Try again later."
    )
    default_code = "throttle_unavailable"
    wait = RETRY_AFTER_SECONDS


class _PortalThrottle(SimpleRateThrottle):
    seconds_to_wait: float | None = None

    def __init__(self) -> None:
        self.cache = caches[settings.RATELIMIT_USE_CACHE]
        super().__init__()
        self.limit, self.period = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope or "")
        return rate

    def allow_request(self, request: Request, view: APIView | None) -> bool:
        """Count the request (one atomic increment of this window's counter) and let it
        through while the sliding count is within the rate."""
        if self.limit is None or self.period is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[arg-type]  # the throttles here never read the view
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.period)
        elapsed = self.now - window * self.period
        self.key = f"{key}:{window}"
        try:
            # Kept for two periods: it is the previous window for the whole next one.
            counted = count(self.cache, self.key, 2 * self.period)
            previous = int(self.cache.get(f"{key}:{window - 1}") or 0)
        except (ThrottleStoreUnavailable, RedisError, OSError) as error:
            ops_log.error("API throttle %s unavailable: %s", self.scope, error)
            raise ThrottleUnavailable() from error
        weighted = previous * (1 - elapsed / self.period)
        if counted + weighted <= self.limit:
            return True
        with contextlib.suppress(ValueError, RedisError, OSError):
            self.cache.decr(self.key)  # refused: not counted (if the cache fails, stricter)
        if counted <= self.limit and previous:  # once the previous window weighs less
            wait = self.period * (1 - (self.limit - counted) / previous) - elapsed
        else:  # this window is full: into the next, where it weighs as the previous
            wait = (window + 1) * self.period - self.now + self.period / max(self.limit, 1)
        self.seconds_to_wait = float(max(1, math.ceil(wait)))
        return False

    def wait(self) -> float | None:
        """Seconds until a request would be let through again (at least 1)."""
        return self.seconds_to_wait


class TokenRateThrottle(_PortalThrottle):
    scope = "api-token"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None  # no token: the address throttle counts the request
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class AddressRateThrottle(_PortalThrottle):
    scope = "api-address"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        ident = client_ip(request._request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}
