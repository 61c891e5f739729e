from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tracker.security import event

OIDC_BACKEND = "identity.backends.ProviderBackend"


def password_sign_in_logged(
    sender: object, request: HttpRequest | None, user: Any, **kwargs: object
) -> None:
    """Every sign-in that is not through an organisation's provider is a local one (a
    password: the sign-in page or the admin's), and a security event of its own, so
    break-glass use is easy to find."""
    if getattr(user, "backend", None) != OIDC_BACKEND:
        event(
            "password-sign-in", request=request, user=user, backend=getattr(user, "backend", None)
        )
