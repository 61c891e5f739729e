"""People-for-a-force questions, answered by permission and scope (never by group name,
so renaming a group in the admin changes nothing): the liaison officers and leads of a
force, the chiefs of staff of a region, and how a person is named."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

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


def display_name(user: Any) -> str:
    """How the portal names a person: their full name, else their username."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


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
