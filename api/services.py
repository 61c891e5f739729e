"""The one door for API tokens: made, used and revoked only here.

A token is made by its own person (the API tokens page, after two-factor for the roles
that require it) or by an administrator at the shell (`create_api_token`). The secret
is returned once and only its SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from recommendations import errors
from recommendations.services.common import Actor, audit, clean_line

from .models import ApiToken

SECRET_PREFIX = "rt_"  # nosec B105  # a visible prefix of every token, not a secret
NAME_MAX_LENGTH = 100


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def max_days() -> int:
    return int(settings.API_TOKEN_MAX_DAYS)


@transaction.atomic
def token_create(
    *, user: User, name: str, days: int, by: Actor | None = None
) -> tuple[ApiToken, str]:
    """Make a token for `user` lasting `days` (1 to API_TOKEN_MAX_DAYS), by themselves
    or (`by`) the command line; returns the token and its secret, which is never stored
    and cannot be shown again."""
    name = clean_line(name, field="name", label="the name", max_length=NAME_MAX_LENGTH)
    if not name:
        raise errors.DomainError("Enter a name for the token", field="name")
    if not 1 <= days <= max_days():
        raise errors.DomainError(f"A token must last between 1 and {max_days()} days", field="days")
    if not user.is_active:
        raise errors.DomainError("This person's account is not active", field="user")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=token_hash(secret),
        prefix=secret[:10],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit(
        "api-key-created",
        by=by or user,
        key_id=token.pk,
        key_name=token.name,
        owner=user.username,
        expires=token.expires_at.isoformat(),
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once (its owner, or an administrator); revoking twice is a
    no-op."""
    if token.user_id != by.pk and not by.has_perm("recommendations.act_for_all_forces"):
        raise errors.NotPermitted("You can only revoke your own API tokens.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit("api-key-revoked", by=by, key_id=locked.pk, key_name=locked.name)
    return locked


def tokens_revoke_all(user: User) -> list[tuple[int, str]]:
    """Revoke every live token of `user` at once, inside the caller's transaction (a
    leaver deactivated by SCIM); returns each revoked token's id and name, for the
    caller's security log."""
    revoked = list(
        ApiToken.objects.select_for_update()
        .filter(user=user, revoked_at__isnull=True)
        .values_list("pk", "name")
    )
    ApiToken.objects.filter(pk__in=[pk for pk, _ in revoked]).update(revoked_at=timezone.now())
    return revoked


def token_for_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is, with its person, if it exists (used or not)."""
    return ApiToken.objects.select_related("user").filter(token_hash=token_hash(secret)).first()


TOUCH_EVERY = dt.timedelta(seconds=60)


def token_touch(token: ApiToken, ip: str | None) -> None:
    """Record when and from where a token was used: at most once a minute per address,
    one UPDATE, so busy clients do not write on every request."""
    now = timezone.now()
    if (
        token.last_used_at is not None
        and now - token.last_used_at < TOUCH_EVERY
        and token.last_used_ip == ip
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
