"""Identity providers (one per organisation: a force's, or the inspectorate's), the
e-mail domains each owns, and the link from a provider's subject (`sub`) to a person.

People are matched on (provider, sub) only, never on an e-mail address: an address can
be reused or typed into a provider by anyone who runs it; a subject is the provider's
own stable, unique name for the person. A subject seen for the first time is linked to
the organisation's SCIM-provisioned person whose externalId is the ID token's
`external_id_claim` (Entra's `oid`), if there is one (identity.people)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_otp.models import Device

from forces.models import Force


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect provider. `forces` set: a force's provider
    (grants only the liaison-officer role, only for those forces); `inspectorate`: the
    inspectorate's (grants only the inspectorate's roles). Never both (the command and
    `organisation_problem` refuse it)."""

    name = models.CharField(max_length=100, unique=True)
    issuer = models.URLField(max_length=500, unique=True)
    client_id = models.CharField(max_length=255)
    client_secret_encrypted = models.TextField(
        help_text="The client secret, encrypted with IDENTITY_SECRET_KEYS (identity.secrets)."
    )
    forces = models.ManyToManyField(Force, blank=True, related_name="identity_providers")
    inspectorate = models.BooleanField(default=False)
    roles_claim = models.CharField(max_length=100, default="roles")
    external_id_claim = models.CharField(
        max_length=100,
        default="oid",
        blank=True,
        help_text=(
            "The ID token claim holding the person's stable identifier in the "
            "organisation's directory, equal to the SCIM externalId its provisioning "
            "sends (Entra: `oid`, the objectId). A person's first sign-in is linked to "
            "the organisation's SCIM-provisioned person with that externalId "
            "(identity.people). Blank: never linked to a SCIM person."
        ),
    )
    password_sign_in = models.BooleanField(
        default=False,
        help_text=(
            "Whether people of this provider's domains may still sign in with a local "
            "password (break-glass). Off by default."
        ),
    )
    # The discovery document's endpoints, read when the provider was added.
    authorization_endpoint = models.URLField(max_length=500)
    token_endpoint = models.URLField(max_length=500)
    jwks_uri = models.URLField(max_length=500)
    # The provider's signing keys (its JWKS), fetched again when a token names a key
    # that is not here (key rotation), at most once every JWKS_REFETCH_SECONDS.
    jwks = models.JSONField(default=dict, blank=True)
    jwks_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> str:
        if self.inspectorate:
            return "the inspectorate"
        return ", ".join(f.name for f in self.forces.all()) or "no organisation"

    @property
    def client_secret(self) -> str:
        from .secrets import decrypt

        return decrypt(self.client_secret_encrypted)


class IdentityDomain(models.Model):
    """An e-mail domain a provider owns (home-realm discovery): each belongs to one
    provider at most."""

    domain = models.CharField(max_length=253, unique=True)
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=models.functions.Lower("domain")),
                name="identity_domain_lower_case",
            )
        ]

    def __str__(self) -> str:
        return self.domain


class IdentityLink(models.Model):
    """A person as a provider names them: its `sub`, unique per provider."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="links")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "sub"], name="identity_link_unique_sub")
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.sub}"


class ProviderSecondFactor(Device):
    """The second factor a person used at their organisation's provider, as its ID
    token's `amr` says (IDENTITY_MFA_AMR). django-otp's session then records this device,
    so the portal's two-factor check (`user.is_verified()`) holds for that session only.
    It cannot verify a code: the only way to use it is an OpenID Connect sign-in."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "second factor at the organisation's provider"

    def verify_token(self, token: object) -> bool:
        return False
