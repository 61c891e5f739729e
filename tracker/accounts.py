"""Django's sign-in and password views with the portal's controls: usernames longer than
an account's are refused by the sign-in forms, the current-password check of the
change-password page is throttled, password-reset requests are rate limited, each change
is logged and emailed to the person, and a completed reset ends any sign-in lockout.

Every limit here is counted atomically in the `ratelimit` cache (cache.add then
cache.incr: Redis INCR), so requests arriving together cannot slip past it, and each
fails closed: when the cache cannot be reached or is full nothing is tried or sent, and
the person is asked to try again later (issue 23)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.cache import BaseCache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from . import security
from .languages import language_of
from .security import client_ip, event, ops_log

LOCKED_MESSAGE = (
    "You entered the wrong current password too many times. Wait 15 minutes, then try "
    "again, or reset your password from the sign-in page"
)
UNAVAILABLE_MESSAGE = (
    "Sorry, this cannot be done just now because of a problem with the service. "
    "Try again in a few minutes"
)
RETRY_AFTER_SECONDS = 60
# The longest username any store accepts: the user model's (150), never more than
# django-axes keeps (255).
AXES_USERNAME_LENGTH = 255

# What a cache that cannot count raises: Redis down or timed out (ConnectionError,
# TimeoutError, an OSError), or full and refusing writes (an OOM ResponseError).
STORE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


class ThrottleStoreUnavailable(Exception):
    """The rate-limit store could not count a request: the limit refuses it."""


def count(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to the count at `key` and return the new count, in one atomic step: the
    key is made (at 0, expiring after `timeout` seconds) only if it is missing, then
    incremented (Redis INCR), so concurrent requests each get a count of their own. Raises
    ThrottleStoreUnavailable when the cache cannot be reached or is full."""
    try:
        for _ in range(2):
            cache.add(key, 0, timeout)
            try:
                return int(cache.incr(key))
            except ValueError:  # expired between add and incr: make it again
                continue
    except STORE_ERRORS as error:
        raise ThrottleStoreUnavailable(str(error)) from error
    raise ThrottleStoreUnavailable(f"{key} vanished twice while being counted")


# --- Sign-in ------------------------------------------------------------------------------


def _username_within_limit(form: AuthenticationForm) -> str:
    """A username longer than any account's is refused by the form itself, with a clear
    error, before authentication and django-axes see it (axes keeps 255 characters)."""
    username: str = form.cleaned_data["username"]
    limit = min(form.username_field.max_length or 150, AXES_USERNAME_LENGTH)
    if len(username) > limit:
        raise ValidationError(f"Username must be {limit} characters or fewer", code="max_length")
    return username


class SignInForm(AuthenticationForm):
    """The sign-in page's form (tracker.urls)."""

    def clean_username(self) -> str:
        return _username_within_limit(self)


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in form (admin.site.login_form, tracker.urls)."""

    def clean_username(self) -> str:
        return _username_within_limit(self)


# --- The current password on the change-password page --------------------------------------


def _cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


class PasswordCheckRefused(ValidationError):
    """The current password was not accepted: `locked` or `unavailable` say why beyond a
    wrong password (429 and 503 on the page)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)
        self.locked = code == "locked"
        self.unavailable = code == "unavailable"


def check_current_password(user: Any, password: str, *, failed_event: str) -> None:
    """The one check of a signed-in person's current password (the change-password page,
    and the step-up before a second factor is reset). After PASSWORD_CHANGE_FAILURE_LIMIT
    wrong passwords the check is locked for AXES_COOLOFF_TIME: the password is not even
    tried, so guessing it here is no easier than at sign-in. Each try is counted before
    the password is tried (and given back when it was right), so guesses sent together
    try it no more often than the limit. When the count cannot be kept the password is
    not tried at all. Raises PasswordCheckRefused."""
    limit = settings.PASSWORD_CHANGE_FAILURE_LIMIT
    # The keys tracker.security clears after a successful change or a reset.
    fails_key, locked_key = security._password_keys(user)
    cache = security._throttle_cache()
    try:
        if cache.get(locked_key):
            raise PasswordCheckRefused(LOCKED_MESSAGE, "locked")
        tries = count(cache, fails_key, _cooloff_seconds())
    except (ThrottleStoreUnavailable, RedisError, OSError) as error:
        ops_log.error("password-check throttle unavailable: %s", error)
        raise PasswordCheckRefused(UNAVAILABLE_MESSAGE, "unavailable") from None
    if tries > limit:  # others were tried at the same moment: this one is not
        raise PasswordCheckRefused(LOCKED_MESSAGE, "locked")
    if not user.check_password(password):
        event(failed_event, user=user)
        if tries >= limit:
            try:
                cache.set(locked_key, True, _cooloff_seconds())
            except STORE_ERRORS as error:  # still counted: the count locks it
                ops_log.error("password-check lock not stored: %s", error)
            event("password-change-locked", user=user)
            raise PasswordCheckRefused(LOCKED_MESSAGE, "locked")
        raise PasswordCheckRefused(WRONG_PASSWORD, "password_incorrect")
    # The right password: the try was no failure. A count already cleared, or a cache
    # gone away, is left to the change itself (which clears the count).
    with contextlib.suppress(ValueError, RedisError, OSError):
        cache.decr(fails_key)


WRONG_PASSWORD = "Your current password was entered incorrectly. Enter it again"


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's change-password form with the current password checked by
    `check_current_password`."""

    locked = False
    unavailable = False

    def clean_old_password(self) -> str:
        password: str = self.cleaned_data["old_password"]
        try:
            check_current_password(self.user, password, failed_event="password-change-failed")
        except PasswordCheckRefused as refused:
            self.locked, self.unavailable = refused.locked, refused.unavailable
            if refused.code == "password_incorrect":
                raise ValidationError(
                    self.error_messages["password_incorrect"], code="password_incorrect"
                ) from None
            raise ValidationError(refused.message, code=refused.code) from None
        return password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security.password_check_reset(form.user)
        event("password-change", user=form.user)
        security.password_changed_notify(form.user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.unavailable:
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        elif form.locked:
            response.status_code = 429
        return response


# --- Password-reset requests --------------------------------------------------------------


def reset_requests_over_limit(request: HttpRequest, email: str) -> bool:
    """Count a password-reset request against the limits per address and per email
    address (django-ratelimit, which counts with cache.add and cache.incr); True when
    either is over its limit. Raises ThrottleStoreUnavailable when the cache cannot be
    reached or is full: the request is then refused, never let through."""
    email = email.strip().lower()
    try:
        by_address = is_ratelimited(
            request,
            group="password-reset:address",
            key=lambda group, request: client_ip(request) or "-",
            rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            increment=True,
        )
        by_email = is_ratelimited(
            request,
            group="password-reset:email",
            key=lambda group, request: email,
            rate=settings.PASSWORD_RESET_RATE_PER_EMAIL,
            increment=True,
        )
    except STORE_ERRORS as error:
        raise ThrottleStoreUnavailable(str(error)) from error
    return bool(by_address or by_email)


class LanguagePasswordResetForm(PasswordResetForm):
    """Each person's reset e-mail in their own language (tracker.languages; issue 30)."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = args[2] if len(args) > 2 else kwargs["context"]
        with translation.override(language_of(context["user"])):
            super().send_mail(*args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Over either rate limit the answer is the same "check your email" page, but nothing is
    sent: the page says nothing about the limits or about which addresses have accounts.
    When the limits cannot be counted nothing is sent either, and the page (the same for
    every address) asks the person to try again later."""

    form_class = LanguagePasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        try:
            throttled = reset_requests_over_limit(self.request, email)
        except ThrottleStoreUnavailable as error:
            ops_log.error("password-reset rate limit unavailable: %s", error)
            event("password-reset-unavailable")
            form.add_error(None, ValidationError(UNAVAILABLE_MESSAGE, code="unavailable"))
            response = self.form_invalid(form)
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if throttled:
            event("password-reset-throttled")
            return HttpResponseRedirect(self.get_success_url())
        users = list(form.get_users(email))
        response = super().form_valid(form)
        for user in users:
            event("password-reset-requested", user=user)
        if not users:
            event("password-reset-requested", matched=False)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security.lockouts_clear(form.user)
        event("password-reset-completed", user=form.user)
        security.password_changed_notify(form.user)
        return response
