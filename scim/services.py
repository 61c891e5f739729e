"""SCIM provisioning's one door: tokens, whose people a token sees, provisioning, changes
and leavers. The views (scim.views) and the command (`create_scim_token`) call only this.

**Whose people.** A token acts for one organisation and sees only its people; anyone
else is "not found" (404), whatever the method:

- a force's people are its liaison officers (the force roles: `forces.roles`, scope
  `one-force`) and the people its token created who hold no role now;
- the inspectorate's people are its liaison leads, chiefs of staff and inspectors, and
  the people its token created who hold no role now.

Administrators (and any staff or superuser account) are no token's: an account that can
change anyone's role, or a break-glass account, is managed by hand (`add_user`, the
admin), so a leaked token cannot take one over (an e-mail changed, then a password
reset) or lock every administrator out.

**What a token may grant.** A force's token creates liaison officers of that force and
nothing else; the inspectorate's token creates people with no role (no data: their role
comes from an administrator, or from the inspectorate's identity provider at sign-in).
No token sets a password, and none changes a role.

**Leavers.** `active: false` or DELETE deactivates the person: in one transaction the
account is made inactive, every session of theirs is deleted and every API token of
theirs revoked. Nothing they wrote is deleted; DELETE also detaches them from SCIM
(`deleted_at`), so the organisation no longer sees them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from api import services as api_services
from forces.models import Force
from forces.roles import ROLES
from forces.users import UserSetupError, user_set_role
from tracker.security import event
from tracker.text import TextError, clean_text

from .models import ScimIdentity, ScimToken

SECRET_PREFIX = "scim_"  # nosec B105  # a visible prefix of every token, not a secret
NAME_MAX_LENGTH = 100
# Django's own columns: username, first_name and last_name 150, email 254.
USERNAME_MAX_LENGTH = 150
PERSON_NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
EXTERNAL_ID_MAX_LENGTH = 254

FORCE_ROLES = tuple(slug for slug, spec in ROLES.items() if spec.scope == "one-force")
INSPECTORATE_ROLES = tuple(
    slug for slug, spec in ROLES.items() if spec.scope in ("forces", "region")
) + tuple(
    slug
    for slug, spec in ROLES.items()
    if spec.scope == "all" and "act_for_all_forces" not in spec.permissions
)
# The role a force's token gives the people it creates.
FORCE_ROLE = "liaison-officer"


class ScimError(Exception):
    """A request SCIM refuses: its HTTP status, the message, and SCIM's `scimType`
    (RFC 7644 §3.12) where one fits."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def not_found(what: str = "person") -> ScimError:
    return ScimError(404, f"There is no {what} at this address for this organisation.")


# --- Organisations and their tokens ------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """A force, or the inspectorate (force None)."""

    force: Force | None

    @property
    def inspectorate(self) -> bool:
        return self.force is None

    @property
    def label(self) -> str:
        return "the inspectorate" if self.force is None else self.force.name

    @property
    def slug(self) -> str:
        return "inspectorate" if self.force is None else self.force.slug

    @classmethod
    def of(cls, token: ScimToken) -> Organisation:
        return cls(force=token.force if not token.inspectorate else None)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, name: str, force_slug: str | None) -> tuple[ScimToken, str]:
    """Make a token for a force (its slug) or, with None, the inspectorate. Returns the
    token and its secret, which is never stored and cannot be shown again. Raises
    ScimError (status 400) for a blank or unclean name, a name in use or an unknown
    force, before writing anything."""
    try:
        name = clean_text(name, field_label="the name", max_length=NAME_MAX_LENGTH)
    except TextError as error:
        raise ScimError(400, error.message) from None
    if not name:
        raise ScimError(400, "Enter a name for the token")
    if ScimToken.objects.filter(name=name).exists():
        raise ScimError(400, f"There is already a SCIM token called “{name}”")
    force = None
    if force_slug is not None:
        force = Force.objects.filter(slug=force_slug).first()
        if force is None:
            valid = ", ".join(Force.objects.order_by("slug").values_list("slug", flat=True))
            raise ScimError(400, f"unknown force: {force_slug}. The forces are: {valid}")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        name=name,
        force=force,
        inspectorate=force is None,
        token_hash=token_hash(secret),
        prefix=secret[:10],
    )
    organisation = Organisation(force=force)
    event(
        "scim-token-created",
        username="(command line)",
        scim_key_id=token.pk,
        scim_key_name=token.name,
        organisation=organisation.slug,
    )
    return token, secret


def token_for_secret(secret: str) -> ScimToken | None:
    """The live (unrevoked) token whose secret this is, if there is one."""
    token = (
        ScimToken.objects.select_related("force")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def token_revoke(*, name: str) -> ScimToken:
    token = ScimToken.objects.select_for_update().filter(name=name).first()
    if token is None:
        raise ScimError(404, f"There is no SCIM token called “{name}”")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event(
            "scim-token-revoked",
            username="(command line)",
            scim_key_id=token.pk,
            scim_key_name=token.name,
        )
    return token


# --- Whose people a token sees -------------------------------------------------------------


def _groups(roles: tuple[str, ...]) -> list[str]:
    return [ROLES[slug].group for slug in roles]


def people_of(organisation: Organisation, *, include_deleted: bool = False) -> QuerySet[User]:
    """The people this organisation's token may see and change (module docstring);
    with `include_deleted`, also those it deleted (identity.people: a leaver's sign-in)."""
    users = get_user_model().objects.all()
    no_role = Q(groups__isnull=True)
    if organisation.force is None:
        mine = Q(groups__name__in=_groups(INSPECTORATE_ROLES)) | (
            no_role & Q(scim_identity__inspectorate=True)
        )
    else:
        mine = Q(groups__name__in=_groups(FORCE_ROLES), scope__forces=organisation.force) | (
            no_role & Q(scim_identity__force=organisation.force)
        )
    admin_groups = [
        spec.group for spec in ROLES.values() if "act_for_all_forces" in spec.permissions
    ]
    kept = (
        users.filter(mine)
        .exclude(is_staff=True)
        .exclude(is_superuser=True)
        .exclude(groups__name__in=admin_groups)
    )
    if not include_deleted:
        kept = kept.exclude(scim_identity__deleted_at__isnull=False)
    ids = kept.values("pk")
    return users.filter(pk__in=ids).select_related("scim_identity")


def identities_ensure(organisation: Organisation) -> None:
    """Give each of the organisation's people a SCIM identity (an `id`), so that people
    made before SCIM (by `add_user` or the admin) can be found and managed too."""
    missing = list(
        people_of(organisation).filter(scim_identity__isnull=True).values_list("pk", flat=True)
    )
    if missing:
        ScimIdentity.objects.bulk_create(
            [ScimIdentity(user_id=pk) for pk in missing], ignore_conflicts=True
        )


def person(organisation: Organisation, scim_id: str) -> User:
    """The organisation's person with this SCIM id, or 404."""
    try:
        import uuid

        key = uuid.UUID(scim_id)
    except (ValueError, TypeError, AttributeError):
        raise not_found() from None
    found = people_of(organisation).filter(scim_identity__scim_id=key).first()
    if found is None:
        raise not_found()
    return found


def locked(user: User) -> User:
    """The person's row, locked until the caller's transaction ends."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


# --- What SCIM may set on a person --------------------------------------------------------


@dataclass
class Values:
    """A person as SCIM may set them, checked and cleaned."""

    username: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    active: bool = True
    external_id: str = ""


def checked_username(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScimError(400, "userName is required: a text value.", "invalidValue")
    value = value.strip()
    if len(value) > USERNAME_MAX_LENGTH:
        raise ScimError(
            400, f"userName is longer than {USERNAME_MAX_LENGTH} characters.", "invalidValue"
        )
    try:
        User.username_validator(value)
    except ValidationError:
        raise ScimError(
            400,
            "userName may hold only letters, digits and the characters @ . + - _",
            "invalidValue",
        ) from None
    return value


def checked_text(value: Any, *, label: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, f"{label} must be text.", "invalidValue")
    try:
        return clean_text(value, field_label=label, max_length=max_length)
    except TextError as error:
        raise ScimError(400, error.message, "invalidValue") from None


def checked_email(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > EMAIL_MAX_LENGTH:
        raise ScimError(400, "The e-mail address is not valid.", "invalidValue")
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ScimError(400, f"“{value}” is not a valid e-mail address.", "invalidValue") from None
    return value


def checked_active(value: Any) -> bool:
    """SCIM's boolean; the strings "true" and "false" too, as Microsoft Entra sends them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, "active must be true or false.", "invalidValue")


def values_of(user: User) -> Values:
    identity = getattr(user, "scim_identity", None)
    return Values(
        username=user.username,
        given_name=user.first_name,
        family_name=user.last_name,
        email=user.email,
        active=user.is_active,
        external_id=identity.external_id if identity is not None else "",
    )


def _username_taken(username: str, *, other_than: int | None = None) -> bool:
    taken = get_user_model().objects.filter(username__iexact=username)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    return taken.exists()


def _taken() -> ScimError:
    return ScimError(409, "This userName is already in use.", "uniqueness")


# --- Provisioning, changes and leavers ----------------------------------------------------


def provision(organisation: Organisation, values: Values, *, token: ScimToken) -> User:
    """Create a person for the organisation (a force's liaison officer; for the
    inspectorate, a person with no role). 409 if the userName is in use."""
    if _username_taken(values.username):
        raise _taken()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create(
                username=values.username,
                first_name=values.given_name,
                last_name=values.family_name,
                email=values.email,
                is_active=True,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            if organisation.force is not None:
                user_set_role(
                    username=user.username, role=FORCE_ROLE, force_slugs=[organisation.force.slug]
                )
            ScimIdentity.objects.create(
                user=user,
                external_id=values.external_id,
                force=organisation.force,
                inspectorate=organisation.inspectorate,
            )
            event(
                "scim-user-provisioned",
                user=user,
                organisation=organisation.slug,
                role=FORCE_ROLE if organisation.force is not None else None,
                scim_key_name=token.name,
            )
            if not values.active:
                _deactivate(user, organisation=organisation, token=token, deleted=False)
    except IntegrityError:
        raise _taken() from None
    except UserSetupError as error:
        raise ScimError(400, str(error), "invalidValue") from None
    user.refresh_from_db()
    return user


def change(user: User, values: Values, *, organisation: Organisation, token: ScimToken) -> User:
    """Replace what SCIM may set on one of the organisation's people; `active: false`
    makes them a leaver (`_deactivate`), `active: true` brings them back (without their
    old sessions or API tokens)."""
    if values.username != user.username and _username_taken(values.username, other_than=user.pk):
        raise _taken()
    try:
        with transaction.atomic():
            locked = get_user_model().objects.select_for_update().get(pk=user.pk)
            before = values_of(user)
            locked.username = values.username
            locked.first_name = values.given_name
            locked.last_name = values.family_name
            locked.email = values.email
            reactivated = values.active and not locked.is_active
            if reactivated:
                locked.is_active = True
            locked.save()
            identity, _ = ScimIdentity.objects.get_or_create(user=locked)
            identity.external_id = values.external_id
            identity.save()
            changed = sorted(
                name
                for name in ("username", "given_name", "family_name", "email", "external_id")
                if getattr(before, name) != getattr(values, name)
            )
            if changed or reactivated:
                event(
                    "scim-user-changed",
                    user=locked,
                    organisation=organisation.slug,
                    changed=",".join(changed),
                    reactivated=reactivated,
                    scim_key_name=token.name,
                )
            if not values.active and locked.is_active:
                _deactivate(locked, organisation=organisation, token=token, deleted=False)
    except IntegrityError:
        raise _taken() from None
    return get_user_model().objects.select_related("scim_identity").get(pk=user.pk)


def delete(user: User, *, organisation: Organisation, token: ScimToken) -> None:
    """DELETE: the person leaves (deactivated, sessions ended, API tokens revoked) and is
    detached from SCIM; their account row and everything they wrote stay."""
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        _deactivate(locked, organisation=organisation, token=token, deleted=True)


def _deactivate(user: User, *, organisation: Organisation, token: ScimToken, deleted: bool) -> None:
    """Inside the caller's transaction: the account inactive, every session of theirs
    deleted, every API token of theirs revoked."""
    now = timezone.now()
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = sessions_end(user)
    revoked = api_services.tokens_revoke_all(user)
    if deleted:
        identity, _ = ScimIdentity.objects.get_or_create(user=user)
        identity.deleted_at = now
        identity.save(update_fields=["deleted_at", "updated_at"])
    event(
        "scim-user-deleted" if deleted else "scim-user-deactivated",
        user=user,
        organisation=organisation.slug,
        signed_out=ended,
        api_keys_revoked=len(revoked),
        scim_key_name=token.name,
    )
    for pk, name in revoked:
        event("api-key-revoked", user=user, key_id=pk, key_name=name, by="scim")


def sessions_end(user: User) -> int:
    """Delete every session signed in as `user`; returns how many.

    The portal keeps sessions in the database (Django's default engine, `db`; `cached_db`
    works the same and is emptied from the cache too). Sessions are not indexed by
    person, so the unexpired ones are read and decoded: sessions end after 30 minutes
    idle, so these are the people working now. An engine with no table (cache, signed
    cookies) cannot be listed; the person's inactive account refuses those sessions on
    their next request all the same (Django's ModelBackend.get_user)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    model = store_class.get_model_class()
    pk = str(user.pk)
    keys = [
        session.session_key
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == pk
    ]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)
