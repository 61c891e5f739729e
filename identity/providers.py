"""Adding an organisation's identity provider (`add_identity_provider`): every check is
made, the discovery document and the key set fetched, before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from forces.models import Force
from tracker.security import event
from tracker.text import TextError, clean_text

from . import fetch
from .models import IdentityDomain, IdentityProvider
from .secrets import encrypt

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")


class ProviderSetupError(ValueError):
    """What is wrong, for the person running the command."""


@dataclass
class ProviderSpec:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    domains: list[str]
    force_slugs: list[str]
    inspectorate: bool
    roles_claim: str = "roles"
    external_id_claim: str = "oid"
    password_sign_in: bool = False


def _https_or_allowed(url: str, what: str) -> None:
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError as error:
        raise ProviderSetupError(f"{what} is not a URL: {url}") from error
    if not url.startswith("https://") and not settings.IDENTITY_ALLOW_HTTP_ISSUER:
        raise ProviderSetupError(
            f"{what} must use https (http is allowed only in development and tests): {url}"
        )


def _checked(spec: ProviderSpec) -> tuple[str, str, list[Force], list[str]]:
    try:
        name = clean_text(spec.name, field_label="the name", max_length=100)
        client_id = clean_text(spec.client_id, field_label="the client id", max_length=255)
    except TextError as error:
        raise ProviderSetupError(error.message) from error
    if not name or not client_id:
        raise ProviderSetupError("the name and the client id must not be blank")
    if IdentityProvider.objects.filter(name=name).exists():
        raise ProviderSetupError(f"there is already a provider named {name!r}")
    if not spec.client_secret or len(spec.client_secret) > 4096:
        raise ProviderSetupError(
            "no client secret on standard input (or longer than 4096 characters)"
        )
    _https_or_allowed(spec.issuer, "the issuer")
    if IdentityProvider.objects.filter(issuer=spec.issuer).exists():
        raise ProviderSetupError(f"there is already a provider with the issuer {spec.issuer}")
    if not CLAIM.match(spec.roles_claim):
        raise ProviderSetupError(f"--roles-claim is not a claim name: {spec.roles_claim!r}")
    if spec.external_id_claim and not CLAIM.match(spec.external_id_claim):
        raise ProviderSetupError(
            f"--external-id-claim is not a claim name: {spec.external_id_claim!r}"
        )
    if spec.inspectorate == bool(spec.force_slugs):
        raise ProviderSetupError("give either --force SLUG (one or more) or --inspectorate")
    forces = list(Force.objects.filter(slug__in=spec.force_slugs))
    unknown = sorted(set(spec.force_slugs) - {f.slug for f in forces})
    if unknown:
        raise ProviderSetupError(f"unknown force: {', '.join(unknown)}")
    if not spec.domains:
        raise ProviderSetupError("give at least one --domain")
    domains = sorted({d.strip().lower() for d in spec.domains})
    for domain in domains:
        if not DOMAIN.match(domain):
            raise ProviderSetupError(f"not an e-mail domain: {domain!r}")
    taken = list(IdentityDomain.objects.filter(domain__in=domains).select_related("provider"))
    if taken:
        raise ProviderSetupError(
            "; ".join(f"{d.domain} already belongs to {d.provider.name}" for d in taken)
        )
    return name, client_id, forces, domains


def provider_add(spec: ProviderSpec) -> IdentityProvider:
    """Check everything, fetch the discovery document (and the keys it names), then
    write the provider and its domains in one transaction. Raises ProviderSetupError,
    with nothing written."""
    name, client_id, forces, domains = _checked(spec)
    try:
        document = fetch.discovery(spec.issuer)
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            _https_or_allowed(document[key], f"the discovery document's {key}")
        jwks = fetch.get_json(document["jwks_uri"])
    except fetch.ProviderUnreachable as error:
        raise ProviderSetupError(f"the discovery document could not be used: {error}") from error
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ProviderSetupError("the provider's jwks_uri does not answer with a key set")
    secret = encrypt(spec.client_secret)
    with transaction.atomic():
        provider = IdentityProvider.objects.create(
            name=name,
            issuer=spec.issuer,
            client_id=client_id,
            client_secret_encrypted=secret,
            inspectorate=spec.inspectorate,
            roles_claim=spec.roles_claim,
            external_id_claim=spec.external_id_claim,
            password_sign_in=spec.password_sign_in,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            jwks=jwks,
            jwks_fetched_at=timezone.now(),
        )
        provider.forces.set(forces)
        IdentityDomain.objects.bulk_create(
            IdentityDomain(domain=d, provider=provider) for d in domains
        )
    event(
        "identity-provider-added",
        provider=name,
        issuer=spec.issuer,
        organisation=provider.organisation,
        domains=",".join(domains),
    )
    return provider
