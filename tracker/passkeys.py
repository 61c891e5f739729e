"""Passkeys (django-otp-webauthn) as a second factor: adding, naming and removing them,
and signing in with one after the password.

A passkey is a django-otp device: a session that signs in with one is verified by
django-otp's `login` exactly as after an authenticator-app code, and the same events go
to the security log (`two-factor-used`, `two-factor-failed`, `two-factor-throttled`, with
`method: passkey`). Failed passkey attempts are throttled as django-otp throttles codes:
after the nth failure in a row the person waits 2^(n-1) seconds (OTP_TOTP_THROTTLE_FACTOR
seconds times that), counted per person in the throttles' cache (Redis in production);
a cache that cannot be reached refuses rather than lets attempts through.

The ceremony endpoints are django-otp-webauthn's own views (tracker.passkey_views
subclasses them for the log, the throttle, clear messages and where to go next); this
module holds the rules they and the pages share.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from . import two_factor
from .humanise import long_date
from .security import event

ops_log = logging.getLogger("tracker.operations")

MAX_PASSKEYS = 10
NAME_MAX_LENGTH = 64  # django-otp's Device.name
WAIT = "Too many failed passkey attempts. Wait a minute, then try again"
FAILED = "The passkey could not be checked. Try again, or use a recovery code"
NOT_YOURS = (
    "That passkey is not one added to your account. Choose the passkey you added for "
    "this service, or use a recovery code"
)
EXPIRED = "The passkey check had expired. Choose “Use a passkey” again"
NONE_SET_UP = "There is no passkey set up for your account. Enter a code instead"
# What a refused ceremony's library error code means for the person.
MESSAGES = {
    "credential_not_found": NOT_YOURS,
    "credential_user_mismatch": NOT_YOURS,
    "invalid_state": EXPIRED,
}


def passkeys_of(user: Any) -> QuerySet[Any]:
    """The person's passkeys, oldest first."""
    return two_factor.passkey_model().objects.filter(user=user).order_by("created_at", "pk")


def passkey_of(user: Any, pk: int) -> Any | None:
    """One of the person's own passkeys, or None (someone else's is never found)."""
    return passkeys_of(user).filter(pk=pk).first()


def default_name(user: Any) -> str:
    """A name for a new passkey until the person gives it one: "Passkey 2, added 7
    December 2026"."""
    count = passkeys_of(user).count()
    return f"Passkey {count}, added {long_date(timezone.localdate())}"[:NAME_MAX_LENGTH]


# --- Throttling, as django-otp throttles codes -----------------------------------------


def _cache() -> BaseCache:
    return caches[settings.RATELIMIT_USE_CACHE]


def _throttle_key(user: Any) -> str:
    return f"passkey:fails:{user.pk}"


def _factor() -> float:
    return float(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))


def attempt_allowed(user: Any) -> bool:
    """Whether the person may try a passkey now: not within 2^(n-1) seconds of their nth
    failure in a row. False when the cache cannot be reached."""
    try:
        state = _cache().get(_throttle_key(user))
    except Exception:
        ops_log.exception("passkey throttle unavailable")
        return False
    if not state:
        return True
    failures, at = state
    return bool(time.time() >= at + _factor() * (2 ** (failures - 1)))


def attempt_failed(user: Any) -> None:
    key = _throttle_key(user)
    try:
        state = _cache().get(key)
        failures = state[0] if state else 0
        _cache().set(key, (failures + 1, time.time()), timeout=24 * 60 * 60)
    except Exception:
        ops_log.exception("passkey throttle unavailable")


def attempt_succeeded(user: Any) -> None:
    try:
        _cache().delete(_throttle_key(user))
    except Exception:
        ops_log.exception("passkey throttle unavailable")


# --- Removing one -----------------------------------------------------------------------


def removal_refusal(user: Any, passkey: Any) -> str | None:
    """Why the person may not remove this passkey, or None. A role that must use a
    passkey keeps at least one, and a role that must use two-factor sign-in keeps a
    second factor (an authenticator app or another passkey)."""
    others = passkeys_of(user).exclude(pk=passkey.pk)
    if two_factor.passkey_required_for(user) and not others.exists():
        return (
            "You cannot remove your only passkey: your role signs in with one. Add another "
            "passkey first, then remove this one"
        )
    if two_factor.required_for(user) and not others.exists() and not two_factor.has_app(user):
        return (
            "You cannot remove your only way to sign in with a second step. Add another "
            "passkey or set up an authenticator app first"
        )
    return None


def remove(*, user: Any, passkey: Any) -> None:
    name = passkey.name
    with transaction.atomic():
        passkey.delete()
    event("passkey-removed", user=user, device=name)
    two_factor.notify(
        user,
        format_lazy(gettext_lazy("A passkey (“{name}”) was removed from your account"), name=name),
    )


def rename(*, user: Any, passkey: Any, name: str) -> None:
    old = passkey.name
    passkey.name = name
    passkey.save(update_fields=["name"])
    event("passkey-renamed", user=user, old_name=old, new_name=name)


# --- The settings, checked at start-up ------------------------------------------------------


@register(Tags.security)
def check_relying_party(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Where passkeys are required and DEBUG is off (a deployment), every allowed origin
    must be on the relying party's host or a host under it: otherwise no passkey could
    be added, and the roles that must have one could reach nothing. (That each is HTTPS
    is django-otp-webauthn's own check, otp_webauthn.E031.)"""
    if settings.DEBUG or not settings.PASSKEY_REQUIRED_ROLES:
        return []
    rp_id = str(settings.OTP_WEBAUTHN_RP_ID).lower()
    errors: list[CheckMessage] = []
    for origin in settings.OTP_WEBAUTHN_ALLOWED_ORIGINS:
        host = (urlsplit(origin).hostname or "").lower()
        if not (host == rp_id or host.endswith(f".{rp_id}")):
            errors.append(
                Error(
                    f"Passkeys cannot be added from {origin!r} with OTP_WEBAUTHN_RP_ID "
                    f"{rp_id!r}: administrators (PASSKEY_REQUIRED_ROLES) would be locked out.",
                    hint=(
                        "Set PORTAL_BASE_URL to the portal's https address, or "
                        "OTP_WEBAUTHN_RP_ID and OTP_WEBAUTHN_ALLOWED_ORIGINS (.env.example)."
                    ),
                    id="tracker.E101",
                )
            )
    return errors
