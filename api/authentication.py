"""`Authorization: Bearer <token>`: the token acts as its person, with their role and
scope as they are at this request (the person, their groups and scope are read afresh
on every request, so a deactivated person or a lost role stops the token at once)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tracker.security import client_ip

from . import services
from .models import ApiToken

INVALID = "The API token is not valid: it may be mistyped, expired or revoked."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with no spaces in it."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        token = services.token_for_secret(secret)
        if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(INVALID)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INVALID)
        services.token_touch(token, client_ip(request._request))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
