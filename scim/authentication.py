"""Who is calling /scim/v2/: an organisation's SCIM token (`Authorization: Bearer
<token>`), and nothing else. A session (password-only or verified) and a personal API
token are not SCIM tokens: both get 401. django-scim2 calls this class around every one
of its views (SCIM_SERVICE_PROVIDER["AUTH_CHECK_MIDDLEWARE"]); the portal's SCIM views
(scim.views) call `token_from` themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_scim import constants

from . import services
from .models import ScimToken

INVALID = (
    "A SCIM token is needed: send “Authorization: Bearer <token>” with your "
    "organisation's SCIM token."
)
WWW_AUTHENTICATE = 'Bearer realm="scim"'
MAX_SECRET_LENGTH = 200


def token_from(request: HttpRequest) -> ScimToken | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not isinstance(header, str) or len(header) > MAX_SECRET_LENGTH + 10:
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    secret = parts[1]
    if not secret.startswith(services.SECRET_PREFIX) or not secret.isascii():
        return None  # a personal API token (rt_…) or anything else is not a SCIM token
    return services.token_for_secret(secret)


def error_response(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "schemas": [constants.SchemaURI.ERROR],
        "status": str(status),
        "detail": detail,
    }
    if scim_type:
        body["scimType"] = scim_type
    response = HttpResponse(
        json.dumps(body), content_type=constants.SCIM_CONTENT_TYPE, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


class ScimTokenCheck:
    """django-scim2's AUTH_CHECK_MIDDLEWARE: refuse a request without a live SCIM token
    (401, in SCIM's error format); otherwise set `request.scim_token`."""

    def __init__(self, get_response: Callable[..., HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = token_from(request)
        if token is None:
            return error_response(401, INVALID)
        request.scim_token = token  # type: ignore[attr-defined]  # the SCIM views' own attribute
        return self.get_response(request, *args, **kwargs)
