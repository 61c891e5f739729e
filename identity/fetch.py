"""Talking to a provider: every request has a timeout and every answer a bounded read,
so a slow or hostile provider can neither hang a sign-in nor fill the memory."""

from __future__ import annotations

import json
from typing import Any

import requests
from django.conf import settings

MAX_BYTES = 256 * 1024  # a discovery document, a JWKS or a token response is far smaller


class ProviderUnreachable(Exception):
    """The provider did not answer as it should; the message says how, for people."""


def _timeout() -> float:
    return float(getattr(settings, "IDENTITY_HTTP_TIMEOUT", 5.0))


def _read(response: requests.Response, url: str) -> Any:
    body = b""
    for chunk in response.iter_content(chunk_size=16384):
        body += chunk
        if len(body) > MAX_BYTES:
            response.close()
            raise ProviderUnreachable(f"{url} answered with more than {MAX_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError as error:
        raise ProviderUnreachable(f"{url} did not answer with JSON") from error


def get_json(url: str) -> Any:
    try:
        with requests.get(
            url,
            timeout=_timeout(),
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise ProviderUnreachable(f"{url} answered {response.status_code}")
            return _read(response, url)
    except requests.RequestException as error:
        raise ProviderUnreachable(f"{url} could not be reached ({type(error).__name__})") from error


def post_form(url: str, data: dict[str, str]) -> tuple[int, Any]:
    """POST a form (the token request); (status, JSON body). The body of an error answer
    is returned too: the caller says what it means."""
    try:
        with requests.post(
            url,
            data=data,
            timeout=_timeout(),
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            return response.status_code, _read(response, url)
    except requests.RequestException as error:
        raise ProviderUnreachable(f"{url} could not be reached ({type(error).__name__})") from error


def discovery(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, checked: it names the same issuer, and the
    endpoints the code flow needs (with PKCE S256 where it says which methods it takes)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = get_json(url)
    if not isinstance(document, dict):
        raise ProviderUnreachable(f"{url} is not a discovery document")
    if document.get("issuer") != issuer:
        raise ProviderUnreachable(
            f"{url} names the issuer {document.get('issuer')!r}, not {issuer!r}"
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(key)
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise ProviderUnreachable(f"{url} has no {key}")
    methods = document.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise ProviderUnreachable(f"{url}: the provider does not take PKCE with S256")
    return document
