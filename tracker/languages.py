"""The language each person's correspondence is in (issue 30): their preference
(`forces.LanguagePreference`, read through the user's `language_preference`, so the
kernel imports no app), English when they have none. E-mails are rendered inside
`translation.override(language_of(user))`."""

from __future__ import annotations

from typing import Any

from django.conf import settings

WELSH = "cy"


def language_of(user: Any) -> str:
    """ "cy" for a person who asked for Welsh, else the portal's English (LANGUAGE_CODE)."""
    preference = getattr(user, "language_preference", None)  # no row: English
    if getattr(preference, "language", None) == WELSH:
        return WELSH
    return str(settings.LANGUAGE_CODE)
