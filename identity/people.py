"""The person behind a provider's ID token: found by (provider, sub); on their first
sign-in, linked to the person their organisation provisioned through SCIM (below) or
else made; and given the role their claims may grant (identity.trust) at every sign-in,
so a role removed at the provider is gone at the next sign-in. An inactive account (a
leaver) is never signed in, and no account is made for them.

**A first sign-in and SCIM.** An organisation that provisions its people through SCIM
(scim/) sends each person's `externalId`; Entra sends the person's `objectId`, which is
also the `oid` claim of the ID tokens it issues. On a sign-in whose (provider, sub) is
not yet linked, the ID token's `provider.external_id_claim` (default `oid`) is looked up
among the SCIM identities of the provider's own organisation only: the people that
organisation's SCIM token manages (scim.services.people_of, its deleted people too)
whose identity no other organisation's token created. Never another organisation's
people, never on an e-mail address. Then:

- one active person: (provider, sub) is linked to them and they are signed in, so a
  SCIM deactivation stops this sign-in too;
- one inactive person (a leaver): refused (AccountInactive, a security-log event); no
  account is made, nothing is linked;
- more than one (the same externalId twice), or a person already linked to a provider:
  refused, for an administrator to untangle; nothing is written;
- nobody: a new person, as without SCIM.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forces.models import Scope
from forces.selectors import role_of
from forces.users import language_from_locale, set_language, user_set_role
from tracker.security import event
from tracker.text import TextError, clean_text

from .backends import AccountInactive, SignInRefused
from .models import IdentityLink, IdentityProvider
from .trust import Grant, grant_for, log_refusals

# A SCIM externalId is at most this long (scim.services.EXTERNAL_ID_MAX_LENGTH).
EXTERNAL_ID_MAX_LENGTH = 254


def _username_for(provider: IdentityProvider, sub: str) -> str:
    """A username no one chose: the provider's number and a digest of the subject
    (Django's username rule, at most 150 characters)."""
    digest = hashlib.sha256(f"{provider.pk}:{sub}".encode()).hexdigest()[:24]
    return f"sso-{provider.pk}-{digest}"


def _email_from(provider: IdentityProvider, claims: dict[str, Any]) -> str | None:
    """The e-mail claim, kept only when it is valid and within the provider's domains
    (a provider speaks only for its own domains)."""
    email = claims.get("email")
    if not isinstance(email, str) or len(email) > 254:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return None
    domain = email.rpartition("@")[2].lower()
    if not provider.domains.filter(domain=domain).exists():
        return None
    return email


def _name_from(claims: dict[str, Any]) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str):
        return None
    try:
        return clean_text(name, field_label="the name", max_length=300) or None
    except TextError:
        return None


def _current(user: Any) -> tuple[str | None, list[str], str | None]:
    spec = role_of(user)
    scope = Scope.objects.filter(user=user).first()
    forces = sorted(scope.forces.values_list("slug", flat=True)) if scope else []
    region = scope.region.slug if scope and scope.region else None
    return (spec.slug if spec else None, forces, region)


def role_remove(user: Any, *, provider: IdentityProvider) -> None:
    """Take every role and scope away (the claims grant none now)."""
    with transaction.atomic():
        user.groups.clear()
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
        scope = Scope.objects.filter(user=user).first()
        if scope is not None:
            scope.forces.clear()
            scope.region = None
            scope.save()
    event("identity-role-removed", user=user, provider=provider.name, level=logging.WARNING)


def _apply(
    user: Any, provider: IdentityProvider, grant: Grant, email: str | None, name: str | None
) -> Any:
    had = _current(user)
    if grant.role is None:
        if had[0] is not None or had[1] or had[2]:
            role_remove(user, provider=provider)
        return user
    wanted = (grant.role, sorted(grant.force_slugs), grant.region_slug)
    if wanted == had and (email is None or email == user.email):
        return user
    user, _ = user_set_role(
        username=user.get_username(),
        role=grant.role,
        force_slugs=grant.force_slugs,
        region_slug=grant.region_slug,
        email=email,
        full_name=name,
    )
    event(
        "identity-role-granted",
        user=user,
        provider=provider.name,
        role=grant.role,
        forces=",".join(grant.force_slugs),
        region=grant.region_slug,
    )
    return user


def _external_id(provider: IdentityProvider, claims: dict[str, Any]) -> str | None:
    """The ID token's value of the provider's external-id claim, if it has a usable one."""
    claim = provider.external_id_claim
    if not claim:
        return None
    value = claims.get(claim)
    if isinstance(value, str) and 0 < len(value) <= EXTERNAL_ID_MAX_LENGTH:
        return value
    event(
        "identity-external-id-missing",
        provider=provider.name,
        claim=claim,
        sub=claims["sub"],
        level=logging.WARNING,
    )
    return None


def scim_people(provider: IdentityProvider, external_id: str) -> list[Any]:
    """The provider's organisation's SCIM-provisioned people whose externalId is
    `external_id` (module docstring), their rows locked until the transaction ends."""
    from scim.services import Organisation, people_of

    if provider.inspectorate:
        organisations = [Organisation(force=None)]
        created_here = Q(scim_identity__inspectorate=True)
    else:
        forces = list(provider.forces.all())
        organisations = [Organisation(force=force) for force in forces]
        created_here = Q(scim_identity__force__in=forces)
    if not organisations:
        return []
    created_by_no_token = Q(scim_identity__force__isnull=True, scim_identity__inspectorate=False)
    found: set[int] = set()
    for organisation in organisations:
        found.update(
            people_of(organisation, include_deleted=True)
            .filter(scim_identity__external_id=external_id)
            .filter(created_here | created_by_no_token)
            .values_list("pk", flat=True)
        )
    if not found:
        return []
    return list(
        get_user_model()
        .objects.select_for_update(of=("self",))
        .select_related("scim_identity")
        .filter(pk__in=found)
        .order_by("pk")
    )


def _scim_person_linked(provider: IdentityProvider, claims: dict[str, Any]) -> Any | None:
    """Inside the caller's transaction: the SCIM person this first sign-in is, linked to
    (provider, sub); None when there is none (module docstring). Raises SignInRefused
    (AccountInactive for a leaver) with nothing written."""
    sub = claims["sub"]
    external_id = _external_id(provider, claims)
    if external_id is None:
        return None
    people = scim_people(provider, external_id)
    if not people:
        return None
    # A person deleted by SCIM and provisioned again (a re-hire) has two identities with
    # one externalId: the live one is the person.
    live = [p for p in people if p.scim_identity.deleted_at is None]
    people = live or people
    if len(people) > 1:
        event(
            "identity-scim-link-refused",
            provider=provider.name,
            organisation=provider.organisation,
            sub=sub,
            external_id=external_id,
            reason="more than one SCIM person has this externalId",
            users=",".join(str(p.pk) for p in people),
            level=logging.WARNING,
        )
        raise SignInRefused("more than one SCIM person has the ID token's external id")
    user = people[0]
    if not user.is_active:
        event(
            "identity-leaver-refused",
            user=user,
            provider=provider.name,
            organisation=provider.organisation,
            sub=sub,
            external_id=external_id,
            scim_id=str(user.scim_identity.scim_id),
            level=logging.WARNING,
        )
        raise AccountInactive("the SCIM person of this external id is not active (a leaver)")
    if IdentityLink.objects.filter(user=user).exists():
        event(
            "identity-scim-link-refused",
            user=user,
            provider=provider.name,
            organisation=provider.organisation,
            sub=sub,
            external_id=external_id,
            reason="the SCIM person is already linked to a provider's subject",
            level=logging.WARNING,
        )
        raise SignInRefused("the SCIM person of this external id is linked to another subject")
    IdentityLink.objects.create(provider=provider, sub=sub, user=user)
    event(
        "identity-person-linked",
        user=user,
        provider=provider.name,
        sub=sub,
        external_id=external_id,
        scim_id=str(user.scim_identity.scim_id),
    )
    return user


def person_signed_in(provider: IdentityProvider, claims: dict[str, Any]) -> Any:
    """The person the verified claims name (linked to their SCIM person, or made, if
    new), with the role the claims may grant from this provider, in one transaction.
    Raises AccountInactive for an inactive account (nothing changed), SignInRefused
    when the SCIM person cannot be told apart, and UserSetupError when the role cannot
    be set (each of which the callback shows as a refused sign-in)."""
    sub = claims["sub"]
    email = _email_from(provider, claims)
    name = _name_from(claims)
    grant = grant_for(provider, claims)
    with transaction.atomic():
        link = (
            IdentityLink.objects.select_for_update()
            .select_related("user")
            .filter(provider=provider, sub=sub)
            .first()
        )
        if link is None and _scim_person_linked(provider, claims) is None:
            user_model = get_user_model()
            user = user_model(username=_username_for(provider, sub), email=email or "")
            if name:
                user.first_name, _, user.last_name = name.partition(" ")
            user.set_unusable_password()
            user.save()
            IdentityLink.objects.create(provider=provider, sub=sub, user=user)
            event("identity-person-created", user=user, provider=provider.name, sub=sub)
        if link is None:
            link = (
                IdentityLink.objects.select_for_update()
                .select_related("user")
                .get(provider=provider, sub=sub)
            )
        user = link.user
        if not user.is_active:
            # A leaver (SCIM's `active: false` or DELETE, or an administrator): refused
            # before anything about them changes.
            event(
                "identity-leaver-refused",
                user=user,
                provider=provider.name,
                organisation=provider.organisation,
                sub=sub,
                level=logging.WARNING,
            )
            raise AccountInactive("the account is not active")
        log_refusals(provider, grant, user=user, sub=sub)
        _apply(user, provider, grant, email, name)
        # The provider's `locale` claim ("cy", "cy-GB"; issue 30) sets the language of
        # the person's e-mails until they choose one themselves (/accounts/language/);
        # a missing or other claim says nothing.
        language = language_from_locale(claims.get("locale"))
        if language is not None:
            set_language(user, language, unless_chosen=True)
        link.last_sign_in_at = timezone.now()
        link.save(update_fields=["last_sign_in_at"])
    # Read again: the role just set, not the permissions cached on the object before.
    return get_user_model().objects.get(pk=user.pk)
