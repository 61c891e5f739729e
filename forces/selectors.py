"""People-for-a-force questions, answered by permission and scope (never by group name,
so renaming a group in the admin changes nothing): the liaison officers and leads of a
force, the chiefs of staff of a region, and how a person is named."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from tracker.names import display_name as display_name  # the kernel's, re-exported
from tracker.names import name_of as name_of

from .roles import CHIEF_PERMISSION, LEAD_PERMISSION, OFFICER_PERMISSION, ROLES, RoleSpec


def _holding(codename: str) -> Q:
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label="recommendations",
    )


def people_active() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True)


def liaison_leads_of(force_id: int) -> QuerySet[Any]:
    """Active liaison leads whose scope includes the force."""
    return (
        people_active()
        .filter(_holding(LEAD_PERMISSION), scope__forces=force_id)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def liaison_officers_of(force_id: int) -> QuerySet[Any]:
    """Active liaison officers whose scope is the force."""
    return people_active().filter(_holding(OFFICER_PERMISSION), scope__forces=force_id).distinct()


def chiefs_of_staff_of(region_id: int) -> QuerySet[Any]:
    """Active chiefs of staff who act for the region."""
    return people_active().filter(_holding(CHIEF_PERMISSION), scope__region_id=region_id).distinct()


def role_of(user: Any) -> RoleSpec | None:
    """The person's role, read from the permissions they hold (the role table's rows are
    told apart by their permission sets); None for anyone with no role."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ROLES["admin"]
    held = {
        p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("recommendations.")
    }
    for spec in ROLES.values():
        if held == set(spec.permissions):
            return spec
    return None


def people_described(user_ids: Iterable[int | None], *, force: str = "") -> dict[int, str]:
    """How the portal names each person with their role and scope, in the words people
    use: "Alex Smith, liaison lead, Gloucestershire" (an inspector: "Sam Jones,
    inspector"). See people_roles."""
    return {
        pk: ", ".join(p for p in (name, role) if p)
        for pk, (name, role) in people_roles(user_ids, force=force).items()
    }


def people_roles(user_ids: Iterable[int | None], *, force: str = "") -> dict[int, tuple[str, str]]:
    """Each person's name and their role with its scope: ("Alex Smith", "liaison lead,
    Gloucestershire"); the role is "" for someone with none. A person acting for several
    forces is named with `force` (a force name) when it is one of theirs, else with all
    of them. Two queries, whatever the number of people: names and the permissions their
    groups hold, then their scopes."""
    from .models import Scope

    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    names: dict[int, str] = {}
    held: dict[int, set[str]] = {}
    superusers: set[int] = set()
    rows = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "username",
            "is_superuser",
            "groups__permissions__codename",
            "groups__permissions__content_type__app_label",
        )
    )
    for pk, first, last, username, superuser, codename, app in rows:
        names[pk] = name_of(first, last, username)
        held.setdefault(pk, set())
        if codename and app == "recommendations":
            held[pk].add(codename)
        if superuser:
            superusers.add(pk)
    forces: dict[int, list[str]] = {}
    regions: dict[int, str] = {}
    scope_rows = Scope.objects.filter(user_id__in=ids).values_list(
        "user_id", "forces__name", "region__name"
    )
    for user_id, scope_force, region in scope_rows:
        if scope_force and scope_force not in forces.setdefault(user_id, []):
            forces[user_id].append(scope_force)
        if region:
            regions[user_id] = region
    described: dict[int, tuple[str, str]] = {}
    for pk, name in names.items():
        spec = (
            ROLES["admin"]
            if pk in superusers
            else next((s for s in ROLES.values() if held[pk] == set(s.permissions)), None)
        )
        parts = []
        if spec is not None:
            parts.append(spec.words)
            if spec.scope == "region" and pk in regions:
                parts.append(regions[pk])
            elif spec.scope in ("one-force", "forces") and forces.get(pk):
                theirs = forces[pk]
                parts.append(force if force in theirs else "; ".join(sorted(theirs)))
        described[pk] = (name, ", ".join(parts))
    return described
