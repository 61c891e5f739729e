"""A signed-in person with no role (their organisation's claims grant none, or it was
removed) reaches "Your access is being set up", sign-out and page resources, and
nothing else: every other URL, by name, redirects there. Runs after the two-factor
middleware, so a password-only session is still sent to its code first."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from forces.selectors import role_of

ALLOWED_WITHOUT_ROLE = frozenset({"access_pending", "logout", "moj_asset", "session_extend"})


class AccessSetUpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL or "/static/")
            and role_of(user) is None
        ):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            if name not in ALLOWED_WITHOUT_ROLE:
                return redirect("access_pending")
        return self.get_response(request)
