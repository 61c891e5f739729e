"""DRF's throttles, per token and per client address, counted in the "ratelimit" cache
(Redis in production, so every process shares the counts). Rates come from
settings.API_THROTTLE_RATES at each request, so they can be configured and tested."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from tracker.security import client_ip

from .models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _PortalThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        self.cache = caches[settings.RATELIMIT_USE_CACHE]
        super().__init__()

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope or "")
        return rate


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
