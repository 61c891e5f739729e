"""Trust stops at the organisation's edge: what a provider's roles claim may grant.

The claim's values (Entra "app roles") are role slugs, with the force or region after a
colon where the role needs one:

    liaison-officer                      (a force's provider with one force)
    liaison-officer:<force-slug>         (a force's provider with several forces)
    liaison-lead:<force-slug>            (one value per force)
    chief-of-staff:<region-slug>
    inspector
    admin

A force's provider grants only `liaison-officer`, and only for its own forces. The
inspectorate's provider grants only the inspectorate's roles (liaison lead, chief of
staff, inspector, administrator): liaison officers are force staff. Any other value
grants nothing and is written to the security log, with the provider and why. A person
holds one role: values naming two roles (or one officer for two forces, or a chief of
staff for two regions) grant nothing, so that a mistake at the provider never chooses
for itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from forces.models import Force, Region
from tracker.security import event

from .models import IdentityProvider

FORCE_ROLES = frozenset({"liaison-officer"})
INSPECTORATE_ROLES = frozenset({"liaison-lead", "chief-of-staff", "inspector", "admin"})
MAX_VALUES = 100  # a roles claim longer than this is refused whole
MAX_VALUE_LENGTH = 200


@dataclass
class Grant:
    """What the claim grants: a role and its scope, or nothing (`role` None)."""

    role: str | None = None
    force_slugs: list[str] = field(default_factory=list)
    region_slug: str | None = None
    refused: list[tuple[str, str]] = field(default_factory=list)  # (value, why)


def claim_values(claims: dict[str, Any], claim: str) -> tuple[list[str], str | None]:
    """The roles claim's values, or why it cannot be read."""
    raw = claims.get(claim)
    if raw is None:
        return [], None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > MAX_VALUES:
        return [], f"the {claim} claim is not a list of at most {MAX_VALUES} values"
    if not all(isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH for v in raw):
        return [], f"the {claim} claim holds a value that is not a short text"
    return list(dict.fromkeys(raw)), None


def grant_for(provider: IdentityProvider, claims: dict[str, Any]) -> Grant:
    """The one role (and scope) `provider` may grant from `claims`, with every value it
    refused and why."""
    values, problem = claim_values(claims, provider.roles_claim)
    grant = Grant()
    if problem:
        grant.refused.append(("", problem))
        return grant
    own_forces = {f.slug for f in provider.forces.all()}
    known_forces = set(Force.objects.values_list("slug", flat=True))
    known_regions = set(Region.objects.values_list("slug", flat=True))
    wanted: dict[str, set[str]] = {}
    for value in values:
        role, _, where = value.partition(":")
        if role not in FORCE_ROLES | INSPECTORATE_ROLES:
            grant.refused.append((value, "not a role of the portal"))
            continue
        if provider.inspectorate and role in FORCE_ROLES:
            grant.refused.append((value, "a force role, asserted by the inspectorate's provider"))
            continue
        if not provider.inspectorate and role not in FORCE_ROLES:
            grant.refused.append((value, "an inspectorate role, asserted by a force's provider"))
            continue
        if role == "liaison-officer":
            if not where and len(own_forces) == 1:
                where = next(iter(own_forces))
            if where not in own_forces:
                why = (
                    "names no force, and the provider has several"
                    if not where
                    else "a force that is not the provider's own"
                )
                grant.refused.append((value, why))
                continue
        elif role == "liaison-lead":
            if where not in known_forces:
                grant.refused.append((value, "names no known force"))
                continue
        elif role == "chief-of-staff":
            if where not in known_regions:
                grant.refused.append((value, "names no known region"))
                continue
        elif where:
            grant.refused.append((value, "this role has no force or region"))
            continue
        wanted.setdefault(role, set()).add(where)
    if len(wanted) > 1:
        grant.refused.append((",".join(sorted(wanted)), "more than one role: a person holds one"))
        return grant
    if not wanted:
        return grant
    role, places = next(iter(wanted.items()))
    places.discard("")
    if role in ("liaison-officer", "chief-of-staff") and len(places) != 1:
        grant.refused.append((role, "more than one force or region for a role that has one"))
        return grant
    grant.role = role
    if role in ("liaison-officer", "liaison-lead"):
        grant.force_slugs = sorted(places)
    elif role == "chief-of-staff":
        grant.region_slug = next(iter(places))
    return grant


def log_refusals(provider: IdentityProvider, grant: Grant, *, user: Any, sub: str) -> None:
    for value, why in grant.refused:
        event(
            "identity-role-refused",
            user=user,
            provider=provider.name,
            organisation=provider.organisation,
            sub=sub,
            value=value,
            reason=why,
            level=logging.WARNING,
        )
