"""The demo's people, made or brought up to date from (username, role, forces, region,
full name) rows; a person who exists keeps the password they have."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from forces.users import user_set_role

DEMO_PASSWORD = "demo-password-1"  # nosec B105  # the demo's published logins (README)

PersonRow = tuple[str, str, list[str], str | None, str]


def people_made(rows: Iterable[PersonRow]) -> dict[str, Any]:
    """The people, by username (user_set_role's users)."""
    user_model = get_user_model()
    users = {}
    for username, role, forces, region, name in rows:
        exists = user_model.objects.filter(username=username).exists()
        user, _ = user_set_role(
            username=username,
            role=role,
            force_slugs=forces,
            region_slug=region,
            email=f"{username}@example.org",
            full_name=name,
            password=None if exists else DEMO_PASSWORD,
        )
        users[username] = user
    return users
