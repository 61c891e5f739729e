"""How the portal names a person, everywhere (pages, emails, messages, history). In the
kernel so that sign-in and account emails name people without reaching into `forces`
(`forces.selectors` re-exports them)."""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    """How the portal names a person, everywhere (pages, emails, messages, history):
    their full name, else their username; "" for nobody."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def name_of(first: str | None, last: str | None, username: str | None) -> str:
    """display_name from the columns themselves, for rows read with values_list (Django's
    get_full_name is "first last", stripped)."""
    return f"{first or ''} {last or ''}".strip() or username or ""
