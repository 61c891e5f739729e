"""Security controls shared by the portal: the client's address, the security log, sign-in
and password throttling, and the email sent when a password changes.

The security log (logger `tracker.security`, formatted by tracker.jsonlog) writes one JSON
object a line: `time` (UTC, ISO 8601), `level`, `logger`, `event`, `user_id`, `username`,
`ip`, `request_id` and the event's own fields. JSON escapes every value, so a username with
a line break in it cannot forge a line. Passwords, codes, tokens, secrets and session keys
are never written: only the fields named by the callers, and any field whose name suggests
a secret is dropped.
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.conf import settings as axes_settings  # django's settings, with axes' defaults
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import BaseCache, caches
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from ipware import get_client_ip

from .account_mail import account_notice
from .base_url import base_url

log = logging.getLogger("tracker.security")
# Operational errors (a cache that is down, an email not sent), with tracebacks: not
# security events, so they go to the ordinary log.
ops_log = logging.getLogger("tracker.operations")

# The request being served, set by tracker.middleware.RequestContextMiddleware, so that
# services can log an event without being handed the request.
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "current_request", default=None
)

# Field names that must never reach the log, whatever a caller passes.
_SECRET_WORDS = ("password", "passwd", "secret", "token", "session", "cookie", "csrf", "code")


# --- The client's address ---------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person making the request.

    With TRUSTED_PROXY_COUNT = 0 (the default) it is REMOTE_ADDR: X-Forwarded-For is
    ignored, since anyone can send it. With N > 0 reverse proxies in front of the portal,
    each appending the address it received the request from, it is the Nth address from
    the right of X-Forwarded-For (django-ipware): whatever a client puts in the header
    itself stays to the left and is ignored. Used for the sign-in lockout (django-axes),
    the rate limits and the security log alike. None when there is no address (no request).
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    # ipware's proxy_count counts the proxies listed in the header after the client; the
    # last proxy is REMOTE_ADDR, so it is one less than the number of proxies.
    ip, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return ip or remote


# --- The security log -------------------------------------------------------------------


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def event(
    name: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str | None = None,
    level: int = logging.INFO,
    **fields: object,
) -> None:
    """Write one security event. The request defaults to the one being served; the user to
    its signed-in person; `username` names someone who is not signed in (a failed sign-in)."""
    request = request if request is not None else current_request.get()
    if user is None and request is not None:
        signed_in = getattr(request, "user", None)
        if signed_in is not None and signed_in.is_authenticated:
            user = signed_in
    record: dict[str, object] = {
        "event": name,
        "user_id": getattr(user, "pk", None),
        "username": username if username is not None else getattr(user, "username", None),
        "ip": client_ip(request),
        "request_id": getattr(request, "request_id", None),
    }
    for key, value in fields.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            continue
        record.setdefault(key, _plain(value))
    log.log(level, record)


@receiver(user_logged_in)
def _signed_in(sender: object, request: HttpRequest | None, user: Any, **kwargs: object) -> None:
    from tracker.middleware import SIGNED_IN_AT

    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
    event("sign-in", request=request, user=user)


@receiver(user_logged_out)
def _signed_out(sender: object, request: HttpRequest | None, user: Any, **kwargs: object) -> None:
    event("sign-out", request=request, user=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
) -> None:
    # credentials holds the password too: only the username is taken from it.
    event("sign-in-failed", request=request, username=credentials.get("username"))


def _admin_changed(sender: object, instance: Any, created: bool, **kwargs: object) -> None:
    """Every change made in the Django admin (people, scopes, reference data, reports,
    two-factor resets) is a security event too, with who, what and how."""
    if created:
        event(
            "admin-change",
            user=instance.user,
            action={1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "other"),
            model=f"{instance.content_type.app_label}.{instance.content_type.model}"
            if instance.content_type_id
            else None,
            object_id=instance.object_id,
            object=instance.object_repr,
            change=instance.get_change_message(),
        )


def connect_admin_changes() -> None:
    from django.contrib.admin.models import LogEntry
    from django.db.models.signals import post_save

    post_save.connect(_admin_changed, sender=LogEntry, dispatch_uid="security-admin-change")


@receiver(user_locked_out)
def _locked_out(
    sender: object, request: HttpRequest, username: str | None = None, **kwargs: object
) -> None:
    event("lockout", request=request, username=username, level=logging.WARNING)


# --- Sign-in throttling (django-axes) -----------------------------------------------------


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second limit.

    Axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures. Axes has one
    failure limit for all its lockout parameters, so the per-username limit is added here:
    SIGN_IN_FAILURE_LIMIT_PER_USERNAME failures for one username within AXES_COOLOFF_TIME,
    from any number of addresses, lock that username out everywhere until the cool-off
    ends or the person resets their password (which clears the lock)."""

    def username_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        attempts = AccessAttempt.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request)
        )
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

    def is_username_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        limit = settings.SIGN_IN_FAILURE_LIMIT_PER_USERNAME
        return self.username_failures(request, credentials) >= limit

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return axes_settings.AXES_LOCK_OUT_AT_FAILURE and self.is_username_locked(
            request, credentials
        )

    def user_login_failed(
        self, sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials):
            return
        if axes_settings.AXES_LOCK_OUT_AT_FAILURE and self.is_username_locked(request, credentials):
            request.axes_locked_out = True  # type: ignore[attr-defined]  # django-axes' request attribute
            request.axes_credentials = credentials  # type: ignore[attr-defined]  # django-axes' request attribute
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by django-axes
            )


# --- Password change throttling and password reset rate limits ---------------------------


def _throttle_cache() -> BaseCache:
    return caches[settings.RATELIMIT_USE_CACHE]


def _password_keys(user: Any) -> tuple[str, str]:
    return f"pwcheck:fails:{user.pk}", f"pwcheck:locked:{user.pk}"


def password_check_reset(user: Any) -> None:
    try:
        _throttle_cache().delete_many(list(_password_keys(user)))
    except Exception:
        ops_log.exception("password-check throttle unavailable")


def lockouts_clear(user: Any) -> None:
    """After a password reset: end the sign-in lockouts and the password-check lock."""
    from axes.utils import reset

    reset(username=user.get_username())
    password_check_reset(user)


# --- The email sent when a password changes ---------------------------------------------


def password_changed_notify(user: Any) -> None:
    """Tell the person, by email, that their password was changed, so that a change they
    did not make does not go unnoticed (the account emails' one sender,
    tracker.account_mail)."""
    if not user.email:
        return
    sent = account_notice(
        user,
        format_lazy(
            gettext_lazy("The password of your {service} account ({username}) was changed"),
            service=settings.SERVICE_NAME,
            username=user.get_username(),
        ),
        subject=format_lazy(
            gettext_lazy("Your {service} password was changed"), service=settings.SERVICE_NAME
        ),
        advice=format_lazy(
            gettext_lazy(
                "If you changed it, you need do nothing.\n\n"
                "If you did not, reset your password now at {url} and tell your administrator."
            ),
            url=f"{base_url()}/accounts/password_reset/",
        ),
    )
    if not sent:
        event("password-change-email-failed", user=user, level=logging.ERROR)
