"""Two-factor sign-in with django-otp: an authenticator app (TOTP), passkeys
(django-otp-webauthn: tracker.passkeys) and single-use recovery codes.

Roles listed in MFA_REQUIRED_ROLES must set it up before they can reach anything else;
anyone else may turn it on, and once they have, they are asked for a code or a passkey at
every sign-in. Roles listed in PASSKEY_REQUIRED_ROLES (administrators) must have a
passkey: once they have one, an authenticator-app code no longer signs them in (a
recovery code still does). Code attempts are throttled by django-otp (an exponential
delay after each failure), passkey attempts the same way (tracker.passkeys), and every
set-up, use, failure and reset is in the security log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .account_mail import account_notice
from .names import display_name
from .security import event

RECOVERY_CODES = 10
APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
ops_log = logging.getLogger(__name__)


# The person's role slug, or None: registered by the app that keeps the roles (forces, in
# its AppConfig.ready), so the kernel does not import it. Unregistered, nobody could be
# told apart, so the check refuses to answer rather than let anyone through.
_role_slug: Callable[[Any], str | None] | None = None


def register_role_lookup(lookup: Callable[[Any], str | None]) -> None:
    global _role_slug
    _role_slug = lookup


def role_of(user: Any) -> str | None:
    if _role_slug is None:
        raise ImproperlyConfigured("no role lookup registered (forces.apps registers it)")
    return _role_slug(user)


def required_for(user: Any) -> bool:
    return role_of(user) in settings.MFA_REQUIRED_ROLES


def passkey_required_for(user: Any) -> bool:
    """Whether the person's role must sign in with a passkey (PASSKEY_REQUIRED_ROLES)."""
    roles = settings.PASSKEY_REQUIRED_ROLES
    return bool(roles) and role_of(user) in roles


def passkey_model() -> Any:
    """django-otp-webauthn's credential model (its passkeys), looked up when needed so
    this module can be imported before the apps are ready."""
    from django.apps import apps

    return apps.get_model("django_otp_webauthn", "WebAuthnCredential")


def has_passkey(user: Any) -> bool:
    return bool(passkey_model().objects.filter(user=user, confirmed=True).exists())


def app_allowed(user: Any) -> bool:
    """Whether an authenticator-app code may sign this person in: not once a role that
    must use a passkey has one (a code can be phished; a passkey cannot)."""
    return not (passkey_required_for(user) and has_passkey(user))


def app_device(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def has_app(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_two_factor(user: Any) -> bool:
    """Whether the person has a second factor to sign in with: an authenticator app or
    a passkey (recovery codes alone are a fallback, not a factor)."""
    return has_app(user) or has_passkey(user)


def pending_device(user: Any) -> TOTPDevice:
    """The person's unconfirmed authenticator-app device, made on first use: its secret
    is shown until a code from it confirms it."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's provisioning address as an SVG QR code, made on the server."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, title="QR code to scan with your authenticator app"
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret as base32 in groups of four, for people who cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(code.split())


WAIT = "Too many wrong codes. Wait a minute, then try again"
PASSKEY_ONLY = "Your role signs in with a passkey, not a code. Use your passkey, or a recovery code"


def confirm(request: Any, device: TOTPDevice, code: str) -> tuple[list[str] | None, str]:
    """Confirm a new device with a code from it: the person is then verified for this
    session and gets their recovery codes (shown once). (None, why) when refused."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        event("two-factor-throttled", user=device.user, during="set-up")
        return None, WAIT
    if not device.verify_token(_clean(code)):
        event("two-factor-failed", user=device.user, during="set-up")
        return None, "The code is not right. Check the app shows this account"
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(device.user)
    otp_login(request, device)
    event("two-factor-set-up", user=device.user)
    notify(device.user, gettext_lazy("Two-factor sign-in was set up on your account"))
    return codes, ""


def verify(request: Any, code: str, *, recovery: bool = False) -> tuple[bool, str]:
    """Check a code (or a recovery code) for the signed-in person. Returns (ok, message);
    the message says to wait when django-otp's throttle holds the device."""
    user = request.user
    model = StaticDevice if recovery else TOTPDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False, "There is no such code set up for your account"
    if not recovery and not app_allowed(user):
        event("two-factor-failed", user=user, recovery=False, reason="passkey-required")
        return False, PASSKEY_ONLY
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        event("two-factor-throttled", user=user)
        return False, WAIT
    if device.verify_token(_clean(code)):
        otp_login(request, device)
        event("two-factor-used", user=user, recovery=recovery)
        if recovery:
            left = StaticToken.objects.filter(device=device).count()
            notify(
                user,
                format_lazy(
                    gettext_lazy("A recovery code was used to sign in ({left} left)"), left=left
                ),
            )
        return True, ""
    event("two-factor-failed", user=user, recovery=recovery)
    return False, "The code is not right. Check it and try again"


def recovery_codes_replace(user: Any) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    event("two-factor-recovery-codes-replaced", user=user)
    return codes


def reset_refusal(request: Any, person: Any) -> str | None:
    """Why this session may not reset `person`'s second factor, or None. Every door that
    resets (the reset page, the admin's action) asks this first: an administrator's
    session that entered its own code, proved its password again within five minutes
    (tracker.step_up), and is not resetting its own."""
    from .step_up import is_fresh

    by = request.user
    if not by.has_perm("recommendations.act_for_all_forces"):
        return "Only an administrator can reset someone's two-factor sign-in"
    if not by.is_verified():
        return "Set up two-factor sign-in on your own account before resetting anyone else's"
    if person.pk == by.pk:
        return (
            "You cannot reset your own two-factor sign-in. Use a recovery code, or ask "
            "another administrator"
        )
    if not is_fresh(request):
        return STEP_UP_NEEDED
    return None


STEP_UP_NEEDED = "Confirm your password to reset two-factor sign-in"


def reset(*, user: Any, by: Any) -> None:
    """An administrator removes someone's second factor (a lost phone or passkey): their
    authenticator app, passkeys and recovery codes go, and they set it up again at their
    next sign-in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        passkey_model().objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    event("two-factor-reset", user=by, target=user.pk, target_username=user.get_username())
    notify(
        user,
        format_lazy(
            gettext_lazy("Two-factor sign-in was reset on your account by {name}"),
            name=display_name(by),
        ),
    )


def totp_for_new_user(user: Any) -> str:
    """Give a person an authenticator-app device now (add_user --totp) and return its
    provisioning address (otpauth://…), to load into an app or a test."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=True)
    return device.config_url


def notify(user: Any, what: Any) -> None:
    """Email the person about a change to their account's sign-in (the one sender of
    account emails, tracker.account_mail)."""
    account_notice(user, what)
