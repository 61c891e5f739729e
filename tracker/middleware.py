"""Session limits: an absolute lifetime on top of Django's idle timeout."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

SIGNED_IN_AT = "signed_in_at"
TOUCHED_AT = "touched_at"
TOUCH_EVERY = 60  # seconds: the idle timeout is renewed at most once a minute


class SessionLimitsMiddleware:
    """Renews the idle timeout as a person works (saving the session at most once a
    minute rather than on every request), and signs them out once
    SESSION_ABSOLUTE_LIMIT seconds have passed since they signed in, however active."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SIGNED_IN_AT)
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIMIT:
                logout(request)
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?expired=1")
            if now - request.session.get(TOUCHED_AT, 0) > TOUCH_EVERY:
                request.session[TOUCHED_AT] = now  # saved, so the cookie and expiry renew
        return self.get_response(request)
