"""Session limits: an absolute lifetime on top of Django's idle timeout."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

SIGNED_IN_AT = "signed_in_at"


class SessionLimitsMiddleware:
    """Signs a person out once SESSION_ABSOLUTE_LIMIT seconds have passed since they
    signed in, however active they have been."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            if started is None:
                request.session[SIGNED_IN_AT] = time.time()
            elif time.time() - started > settings.SESSION_ABSOLUTE_LIMIT:
                logout(request)
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?expired=1")
        return self.get_response(request)
