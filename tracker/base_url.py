"""The portal's own address, for links that leave the page they are on: exports and
data files, print views, the sitemap, emails.

`base_url(request)` is settings.PORTAL_BASE_URL when it is set (behind a proxy the host
a request came to may not be the public one); otherwise the scheme and host the request
came to; with no request either (an email sent by the worker), the development server's
address. Never with a trailing slash, so `base_url(request) + reverse(...)` is a link.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

DEVELOPMENT = "http://127.0.0.1:8000"


def base_url(request: HttpRequest | None = None) -> str:
    if settings.PORTAL_BASE_URL:
        return str(settings.PORTAL_BASE_URL).rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (from reverse) as a full link on the portal's address."""
    return base_url(request) + path
