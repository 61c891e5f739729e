"""SCIM provisioning (issue 27): the bearer tokens organisations' identity providers
use at /scim/v2/, and each person's SCIM identity.

A token belongs to one organisation: one force (`force`) or the inspectorate
(`inspectorate`), never both, never neither (a database constraint). Only the SHA-256
of its secret is stored; the secret is printed once by `create_scim_token`.

A person's SCIM identity holds what SCIM needs that Django's user has no column for: the
`id` SCIM gives out (a random UUID, so ids cannot be guessed or counted), the
provisioning client's `externalId`, which organisation's token created the person (if
one did) and when the organisation deleted them (`deleted_at`: the person is
deactivated and no longer SCIM's to see; nothing they wrote is deleted). Django's user
model is left as it is.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from forces.models import Force


class ScimToken(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="What the token is for.")
    force = models.ForeignKey(
        Force, null=True, blank=True, on_delete=models.PROTECT, related_name="scim_tokens"
    )
    inspectorate = models.BooleanField(default=False)
    token_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the secret, in hex."
    )
    prefix = models.CharField(
        max_length=12, editable=False, help_text="The secret's first characters, to recognise it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="scim_token_named"),
            models.CheckConstraint(
                condition=(Q(force__isnull=False) & Q(inspectorate=False))
                | (Q(force__isnull=True) & Q(inspectorate=True)),
                name="scim_token_one_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ScimIdentity(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity"
    )
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=254, blank=True, default="")
    # The organisation whose token created the person, if a token did.
    force = models.ForeignKey(
        Force, null=True, blank=True, on_delete=models.PROTECT, related_name="scim_identities"
    )
    inspectorate = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "SCIM identities"
        constraints = [
            models.CheckConstraint(
                condition=~(Q(force__isnull=False) & Q(inspectorate=True)),
                name="scim_identity_at_most_one_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"SCIM identity of {self.user}"
