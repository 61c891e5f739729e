"""Caching of the public pages (ADR 0008).

Rendered public pages are kept in the `public` cache (Redis when REDIS_URL is set, else
this process's memory) under a key made of the page's address and the **public
version**, a number every public change replaces: a public timeline entry (services.
common.append_entry and the importer, once committed) or a change to a finding, report,
force, theme or an item's themes (monitoring.signals). An internal entry changes
nothing, so the cached pages stay. The same version makes the `ETag`, so a browser's
conditional request is answered 304 without rendering or reading the database.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed

CACHE_ALIAS = "public"
VERSION_KEY = "monitoring:public-version"
PAGE_TIMEOUT = 24 * 60 * 60  # a day: the version key, not time, decides freshness
CACHE_CONTROL = "public, max-age=0, must-revalidate"

View = Callable[..., HttpResponseBase]


def _cache() -> Any:
    return caches[CACHE_ALIAS]


def public_version() -> str:
    """The current public version (made on first use when the cache has none)."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, str(time.time_ns()), None)
        version = cache.get(VERSION_KEY) or "0"
    return str(version)


def bump_public_version() -> None:
    """Say the public site changed: a new version, so every cached page is stale."""
    _cache().set(VERSION_KEY, str(time.time_ns()), None)


def public_changed() -> None:
    """Bump the public version once the current transaction commits (at once outside
    one): a page rendered before the commit is never cached under the new version."""
    transaction.on_commit(bump_public_version)


def _key(version: str, request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{version}|{request.get_full_path()}".encode()).hexdigest()
    return digest[:32]


def _public_headers(response: HttpResponseBase, etag: str) -> None:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL


def public_page(*, store: bool = True) -> Callable[[View], View]:
    """A public page: no sign-in, GET or HEAD only, an ETag from the public version and
    the address, 304 for a matching If-None-Match, `Cache-Control: public`, and (with
    `store`) the rendered page kept in the public cache. Streamed responses (the data
    files) get the ETag and 304 but are not stored."""

    def decorate(view: View) -> View:
        @login_not_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            version = public_version()
            key = _key(version, request)
            etag = f'W/"{key}"'
            asked = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
            if etag in asked or f'"{key}"' in asked:
                not_modified = HttpResponse(status=304)
                _public_headers(not_modified, etag)
                return not_modified
            cache = _cache()
            if store:
                hit = cache.get("monitoring:page:" + key)
                if hit is not None:
                    body, content_type, extra = hit
                    from_cache = HttpResponse(body, content_type=content_type)
                    for name, value in extra.items():
                        from_cache[name] = value
                    from_cache["X-Public-Cache"] = "hit"
                    _public_headers(from_cache, etag)
                    return from_cache
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if store and isinstance(response, HttpResponse):
                extra = {
                    name: response[name]
                    for name in ("Content-Disposition", "Content-Language")
                    if response.has_header(name)
                }
                cache.set(
                    "monitoring:page:" + key,
                    (response.content, response["Content-Type"], extra),
                    PAGE_TIMEOUT,
                )
                response["X-Public-Cache"] = "miss"
            _public_headers(response, etag)
            return response

        return wrapped

    return decorate
