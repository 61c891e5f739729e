"""Request context (an id for the security log), no-store caching for signed-in people,
and session limits: an absolute lifetime on top of Django's idle timeout."""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve

from .security import current_request

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


class RequestContextMiddleware:
    """Gives each request an id (a random uuid4, returned as X-Request-ID and written with
    every security event) and makes the request available to `tracker.security.event`
    while it is served, so services can log without being handed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]  # the portal's own attribute
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]  # set above
        return response


class NoStoreMiddleware:
    """Pages, exports and downloads seen by a signed-in person are never stored by the
    browser or a proxy (Cache-Control: no-store), so they cannot be read back from a shared
    computer's cache after sign-out. Static files are served before this runs and keep
    their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class TwoFactorMiddleware:
    """A signed-in session whose person has a second factor (or whose role requires one,
    MFA_REQUIRED_ROLES) but has not entered a code this session is a password-only
    session: it reaches the pages named in `allowed_before_code` and nothing else, by URL
    name, so a new page is closed to it until someone adds it here on purpose (the URL
    sweep in tests/security/test_two_factor_sweep.py fails on any other). Everything
    else, including every other device, code and reset page, redirects to the code page.
    A session that has used its second factor but whose role must have a passkey
    (PASSKEY_REQUIRED_ROLES) and has none reaches only `NEEDS_PASSKEY`: adding one.
    Runs after django-otp's OTPMiddleware."""

    # Before a code: enter it, a passkey (django-otp-webauthn's authentication pair) or a
    # recovery code; sign out. Page resources (static files and the MOJ images) are not
    # pages and carry nothing of anyone's.
    WITH_DEVICE = frozenset(
        {
            "two_factor_verify",
            "two_factor_recovery",
            "otp_webauthn:credential-authentication-begin",
            "otp_webauthn:credential-authentication-complete",
            "logout",
            "moj_asset",
        }
    )
    # Before a first device: set one up, an authenticator app or a passkey (the
    # registration pair), only while there is none; sign out.
    ADD_PASSKEY = frozenset(
        {
            "passkey_add",
            "otp_webauthn:credential-registration-begin",
            "otp_webauthn:credential-registration-complete",
        }
    )
    WITHOUT_DEVICE = frozenset({"two_factor_setup", "logout", "moj_asset"}) | ADD_PASSKEY
    # After the second factor, for a role that must have a passkey and has none yet.
    NEEDS_PASSKEY = frozenset({"logout", "moj_asset"}) | ADD_PASSKEY

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @classmethod
    def allowed_before_code(cls, *, has_device: bool) -> frozenset[str]:
        return cls.WITH_DEVICE if has_device else cls.WITHOUT_DEVICE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import two_factor

        user = request.user
        if not user.is_authenticated or request.path.startswith(settings.STATIC_URL or "/static/"):
            return self.get_response(request)
        if not user.is_verified():  # type: ignore[attr-defined]  # django-otp adds it
            has = two_factor.has_two_factor(user)
            if has or two_factor.required_for(user):
                name = self._name(request)
                if name not in self.allowed_before_code(has_device=has):
                    self._remember(request, name)
                    if has:
                        return redirect("two_factor_verify")
                    if two_factor.passkey_required_for(user):
                        return redirect("passkey_add")
                    return redirect("two_factor_setup")
        elif (
            settings.PASSKEY_REQUIRED_ROLES
            and two_factor.passkey_required_for(user)
            and not two_factor.has_passkey(user)
        ):
            name = self._name(request)
            if name not in self.NEEDS_PASSKEY:
                self._remember(request, name)
                return redirect("passkey_add")
        return self.get_response(request)

    @staticmethod
    def _name(request: HttpRequest) -> str:
        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""

    @staticmethod
    def _remember(request: HttpRequest, name: str) -> None:
        """The page asked for, to return to once the second factor is done."""
        if request.method == "GET" and not name.startswith(("two_factor", "passkey")):
            request.session["two_factor_next"] = request.get_full_path()


class ServiceNotFoundMiddleware:
    """With DEBUG on (`make run`), Django answers "not found" with its technical page;
    this shows the service's own 404 page instead, as in production, so what a person
    sees while trying the portal is what they would see live. Static files' 404s and
    answers that are not HTML are left alone. It is the innermost middleware, so the
    page has the person, their messages and the CSP nonce."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(settings.STATIC_URL or "/static/")
        ):
            from django.http import Http404
            from django.views.defaults import page_not_found

            return page_not_found(request, Http404())
        return response
