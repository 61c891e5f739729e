"""The passkey pages (list, add, name, remove) and the WebAuthn ceremony endpoints.

The endpoints are django-otp-webauthn's views, subclassed for the portal: only a signed-in
person (no passwordless sign-in), the security log and throttle of tracker.passkeys,
messages a person can act on, and, after signing in, the page first asked for. Their URL
names stay the library's (`otp_webauthn:…`) so its ceremony scripts find them; the
two-factor middleware allows the authentication pair before the second factor and the
registration pair only to a person with no second factor yet.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import json_script
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn.templatetags.otp_webauthn import (
    get_configuration,
)
from django_otp_webauthn.utils import (
    rewrite_exceptions,
)
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)
from webauthn.helpers.exceptions import WebAuthnException

from . import passkeys, step_up, two_factor
from .security import event
from .text import CleanCharField
from .two_factor_views import NEXT_KEY, _done, _next

ops_log = logging.getLogger("tracker.operations")
NEW_CODES_KEY = "passkey_new_codes"
# What a malformed ceremony body can raise while py_webauthn parses it, besides the
# library's own API errors: answered as a refused ceremony, never a server error.
BAD_INPUT = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError, IndexError)
REFUSALS = (exceptions.OTPWebAuthnApiError, *BAD_INPUT)
ADD_FAILED = "The passkey could not be added. Try again, or use another device"
ADD_EXPIRED = "Adding the passkey took too long. Choose “Add a passkey” again"


class Throttled(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = passkeys.WAIT
    default_code = "throttled"


class Refused(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_detail = passkeys.FAILED
    default_code = "refused"


class TooMany(exceptions.OTPWebAuthnApiError):
    status_code = 409
    default_detail = (
        f"You have {passkeys.MAX_PASSKEYS} passkeys, the most you can have. Remove one you "
        "no longer use first"
    )
    default_code = "too_many_passkeys"


class AlreadyAdded(exceptions.OTPWebAuthnApiError):
    status_code = 409
    default_detail = "This passkey has already been added. Use another device or security key"
    default_code = "already_added"


def _refusal(exc: Exception) -> tuple[str, Any]:
    """(the library's error code, the error to answer with) for whatever refused it."""
    if isinstance(exc, exceptions.OTPWebAuthnApiError):
        return str(exc.code), exc
    ops_log.info("passkey ceremony refused: %s", type(exc).__name__)
    return "invalid_request", Refused()


def _signed_in_user(request: HttpRequest) -> Any:
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated(detail="Sign in with your password first")
    return user


# --- Signing in with a passkey (after the password) --------------------------------------


class _AuthenticationChecks:
    request: HttpRequest

    def check_can_authenticate(self) -> None:
        user = _signed_in_user(self.request)  # never passwordless
        if not two_factor.has_passkey(user):
            raise exceptions.CredentialNotFound(detail=passkeys.NONE_SET_UP)
        if not passkeys.attempt_allowed(user):
            event("two-factor-throttled", user=user, method="passkey")
            raise Throttled()


class BeginAuthentication(_AuthenticationChecks, BeginCredentialAuthenticationView):
    """The options for the browser's passkey prompt: the person's own passkeys only."""


class CompleteAuthentication(_AuthenticationChecks, CompleteCredentialAuthenticationView):
    """Checks the browser's signed answer; on success the session is verified by
    django-otp's login, as after a code, and the answer names the page to go to."""

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, DatabaseError) or not isinstance(exc, REFUSALS):
            raise exc
        code, error = _refusal(exc)
        user = self.request.user
        if isinstance(error, Throttled):
            # The attempt was not checked; its challenge is spent all the same.
            self.request.session.pop("otp_webauthn_authentication_state", None)
        elif user.is_authenticated:
            passkeys.attempt_failed(user)
            event("two-factor-failed", user=user, recovery=False, method="passkey", reason=code)
        detail = passkeys.MESSAGES.get(code, str(error) if code in KEEP_DETAIL else passkeys.FAILED)
        return JsonResponse({"detail": detail, "code": code}, status=error.status_code)

    def complete_auth(self, device: Any) -> None:
        user = self.request.user
        otp_login(self.request, device)
        passkeys.attempt_succeeded(user)
        event("two-factor-used", user=user, recovery=False, method="passkey")

    def get_success_url(self) -> str:
        target = _next(self.request)
        self.request.session.pop(NEXT_KEY, None)
        return target


# Refusals whose own message already says what to do.
KEEP_DETAIL = {"throttled", "not_authenticated", "user_disabled", "credential_disabled"}


# --- Adding a passkey -------------------------------------------------------------------


class _RegistrationChecks:
    request: HttpRequest
    messages = {
        "user_not_verified": (
            "Sign in with your second step (a code or a passkey) before adding a passkey"
        )
    }

    def check_can_register(self) -> None:
        # django-otp-webauthn has already refused a person with a second factor whose
        # session has not used it (NotVerified); the middleware refuses before that.
        if passkeys.passkeys_of(self.request.user).count() >= passkeys.MAX_PASSKEYS:
            raise TooMany()

    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, DatabaseError) or not isinstance(exc, REFUSALS):
            raise exc
        code, error = _refusal(exc)
        status = 400 if error.status_code >= 500 else error.status_code
        if self.request.user.is_authenticated:
            event("passkey-add-failed", user=self.request.user, reason=code)
        if code == "invalid_state":
            detail = ADD_EXPIRED
        elif status in (401, 403, 409):
            detail = str(error)  # who may add one, or how many: the message says what to do
        else:
            detail = ADD_FAILED
        return JsonResponse({"detail": detail, "code": code}, status=status)


class BeginRegistration(_RegistrationChecks, BeginCredentialRegistrationView):
    """The options for the browser's "create a passkey" prompt."""


class CompleteRegistration(_RegistrationChecks, CompleteCredentialRegistrationView):
    """Checks and keeps the new passkey. The first second factor a person sets up turns
    two-factor sign-in on: the session is verified by it and recovery codes are made
    (shown once on the next page), as when an authenticator app is set up."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        request: Any = self.request  # with the library's parsed body, `data`
        user = self.get_user()
        state = self.get_state()
        first = not two_factor.has_two_factor(user)
        try:
            with transaction.atomic(), rewrite_exceptions(logger=None):
                device = self.get_helper().register_complete(
                    user=user, state=state, data=request.data
                )
        except IntegrityError:  # a credential id already kept (the same passkey again)
            raise AlreadyAdded() from None
        device.name = passkeys.default_name(user)
        device.save(update_fields=["name"])
        if not request.user.is_verified():
            otp_login(request, device)
        event("passkey-added", user=user, device=device.name)
        if first:
            request.session[NEW_CODES_KEY] = two_factor.recovery_codes_replace(user)
            event("two-factor-set-up", user=user, method="passkey")
            two_factor.notify(
                user,
                gettext_lazy("Two-factor sign-in was set up on your account with a passkey"),
            )
        else:
            two_factor.notify(user, gettext_lazy("A passkey was added to your account"))
        return JsonResponse(
            {"id": device.pk, "redirect_url": reverse("passkey_name", args=[device.pk])}
        )


webauthn_urls = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
]


def ceremony_config(request: HttpRequest) -> str:
    """The ceremony scripts' settings (their endpoints and the CSRF token) as a JSON
    script element, which the browser never runs: the strict CSP allows no inline script."""
    config = get_configuration(request, {"nextFieldSelector": "input[name='next']"})
    return json_script(config, "otp_webauthn_config")


# --- The pages ----------------------------------------------------------------------------


def _unverified_with_factor(request: HttpRequest) -> bool:
    user: Any = request.user
    return not user.is_verified() and two_factor.has_two_factor(user)


@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    """The person's passkeys: name, when added, when last used; add, rename, remove."""
    user: Any = request.user
    if _unverified_with_factor(request):
        return redirect("two_factor_verify")
    keys = list(passkeys.passkeys_of(user))
    return render(
        request,
        "registration/passkeys.html",
        {
            "passkeys": keys,
            "can_add": len(keys) < passkeys.MAX_PASSKEYS,
            "most": passkeys.MAX_PASSKEYS,
            "required": two_factor.passkey_required_for(user),
            "has_app": two_factor.has_app(user),
        },
    )


@require_GET
def passkey_add(request: HttpRequest) -> HttpResponse:
    """Add a passkey: the browser asks the person's device to make one (the ceremony
    script), then the next page names it. Also the page a role that must have a passkey
    is sent to until it has one."""
    user: Any = request.user
    if _unverified_with_factor(request):
        return redirect("two_factor_verify")
    count = passkeys.passkeys_of(user).count()
    return render(
        request,
        "registration/passkey_add.html",
        {
            "config": ceremony_config(request),
            "required": two_factor.passkey_required_for(user) and count == 0,
            "first": not two_factor.has_two_factor(user),
            "full": count >= passkeys.MAX_PASSKEYS,
            "most": passkeys.MAX_PASSKEYS,
        },
    )


class NameForm(forms.Form):
    name = CleanCharField(
        label="Name",
        max_length=passkeys.NAME_MAX_LENGTH,
        help_text="So you can tell your passkeys apart, for example “Work laptop” or “Phone”",
        error_messages={
            "required": "Enter a name for the passkey",
            "max_length": f"Name must be {passkeys.NAME_MAX_LENGTH} characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _own_passkey(request: HttpRequest, pk: int) -> Any:
    passkey = passkeys.passkey_of(request.user, pk)
    if passkey is None:
        raise Http404
    return passkey


@require_http_methods(["GET", "POST"])
def passkey_name(request: HttpRequest, pk: int) -> HttpResponse:
    """Name (or rename) one of your passkeys. Just after adding the first one, the
    recovery codes made with it are shown here, once."""
    user: Any = request.user
    if not user.is_verified():
        return redirect("two_factor_verify" if two_factor.has_two_factor(user) else "passkeys")
    passkey = _own_passkey(request, pk)
    form = NameForm(
        request.POST if request.method == "POST" else None, initial={"name": passkey.name}
    )
    if request.method == "POST" and form.is_valid():
        passkeys.rename(user=user, passkey=passkey, name=form.cleaned_data["name"])
        messages.success(request, f"Passkey saved as “{passkey.name}”.")
        if request.session.get(NEXT_KEY):  # sent here to add it on the way to a page
            return _done(request)
        return redirect("passkeys")
    codes = request.session.pop(NEW_CODES_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "registration/passkey_name.html",
        {"form": form, "passkey": passkey, "codes": codes},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of your passkeys: only from a session that used its second factor and
    confirmed the password within five minutes (tracker.step_up), as for a reset."""
    user: Any = request.user
    if not user.is_verified():
        return redirect("two_factor_verify" if two_factor.has_two_factor(user) else "passkeys")
    passkey = _own_passkey(request, pk)
    here = reverse("passkey_remove", args=[passkey.pk])
    if not step_up.is_fresh(request):
        if request.method == "POST":
            event("passkey-remove-refused", user=user, device=passkey.name, reason="step-up")
        messages.info(request, "Confirm your password to remove a passkey.")
        return redirect(step_up.url_for(here))
    why = passkeys.removal_refusal(user, passkey)
    if request.method == "POST" and why is None:
        passkeys.remove(user=user, passkey=passkey)
        messages.success(request, f"Passkey “{passkey.name}” removed.")
        return redirect("passkeys")
    if request.method == "POST":
        event("passkey-remove-refused", user=user, device=passkey.name, reason="last")
    return render(
        request,
        "registration/passkey_remove.html",
        {"passkey": passkey, "why": why},
        status=409 if request.method == "POST" else 200,
    )
