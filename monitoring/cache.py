"""Caching of the public pages (ADR 0008).

Rendered public pages are kept in the `public` cache (its own Redis, REDIS_CACHE_URL,
evicting the least recently used keys when full; else this process's memory) under a key
made of the page's canonical address and the **public version**, a number every public
change replaces: a public timeline entry (the services' `item_changed` signal, sent once
the change is committed) or a change to a finding, report, force, theme or an item's
themes (monitoring.signals connects both). An internal entry changes nothing, so the
cached pages stay. The same version makes the `ETag`, so a browser's conditional request
is answered 304 without rendering or reading the database.

The cache is bounded (issue 23): a page is stored only under a finite, canonical address
(the path as the site writes it, known parameters only, each once, no free text, a page
number as the pagination writes it, and whatever the view itself accepts: see
`do_not_store`). Anything else is served uncached, so new searches or odd page numbers
never add a key. No response says whether it came from the cache.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import NoReverseMatch, reverse
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ALIAS = "public"
VERSION_KEY = "monitoring:public-version"
PAGE_TIMEOUT = 24 * 60 * 60  # a day: the version key, not time, decides freshness
CACHE_CONTROL = "public, max-age=0, must-revalidate"

View = Callable[..., HttpResponseBase]
# What a cache that cannot be reached raises (Redis down, a refused or timed-out
# socket): logged and passed over, since the public cache only ever saves work.
CACHE_ERRORS = (RedisError, OSError)
# A page number as the pagination links write it: no sign, no leading zero, not "last".
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
# Marks a response its view says must not be stored (`do_not_store`).
_NOT_STORED = "_public_cache_not_stored"
# Set when a bump could not reach the cache, so this process tries again before it
# next reads the version (a page cached before the change must not outlive it).
_bump_pending = False


def _cache() -> Any:
    return caches[CACHE_ALIAS]


def public_version() -> str | None:
    """The current public version (made on first use when the cache has none, or after
    it was evicted: every page stored under the old one is then stale), or None when the
    cache cannot be reached, is full or keeps nothing (no REDIS_CACHE_URL beside
    REDIS_URL): the page is then served uncached, without an ETag."""
    if _bump_pending:
        bump_public_version()
        if _bump_pending:
            return None
    cache = _cache()
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, str(time.time_ns()), None)
            version = cache.get(VERSION_KEY)
    except CACHE_ERRORS as error:
        logger.warning("Public cache unreachable, serving uncached: %s", error)
        return None
    return None if version is None else str(version)


def bump_public_version() -> None:
    """Say the public site changed: a new version, so every cached page is stale. A
    cache that cannot be reached is logged, never raised: the change is already
    committed and must be answered as saved (README)."""
    global _bump_pending
    try:
        _cache().set(VERSION_KEY, str(time.time_ns()), None)
    except CACHE_ERRORS as error:
        _bump_pending = True
        logger.warning("Public cache unreachable, public version not bumped: %s", error)
    else:
        _bump_pending = False


def public_changed() -> None:
    """Bump the public version once the current transaction commits (at once outside
    one): a page rendered before the commit is never cached under the new version."""
    transaction.on_commit(bump_public_version)


def _etag_key(version: str, request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{version}|{request.get_full_path()}".encode()).hexdigest()
    return digest[:32]


def _canonical_path(request: HttpRequest) -> bool:
    """Whether the path is the one the site itself writes for this page (a public ID
    padded with zeros, say, is the same page under another path: never stored)."""
    match = request.resolver_match
    if match is None:
        return False
    try:
        return reverse(match.view_name, args=match.args, kwargs=match.kwargs) == request.path
    except NoReverseMatch:
        return False


def _store_key(
    version: str, request: HttpRequest, known: Iterable[str], search: Iterable[str] = ()
) -> str | None:
    """The page's key in the cache, or None (neither looked up nor stored): made of the
    canonical path and the known parameters that have a value, each once, in name order.
    None for a path written another way, a parameter the page does not know, one given
    twice, any words of a search (`search`: free text has no end of values) or a page
    number not written as the pagination writes it. The view decides the rest
    (`do_not_store`): whether a filter value is one of its choices, whether the page
    number is inside the page range."""
    if not _canonical_path(request):
        return None
    known = set(known)
    query = request.GET
    chosen: list[tuple[str, str]] = []
    for name, values in query.lists():
        if name not in known or len(values) > 1:
            return None
        if not values[0]:
            continue  # an empty field of the filter form: the same page as without it
        if name in search:
            return None
        chosen.append((name, values[0]))
    page = query.get("page")
    if page and not PAGE_NUMBER.fullmatch(page):
        return None
    canonical = sorted(chosen)
    digest = hashlib.sha256(f"{version}|{request.path}|{canonical!r}".encode()).hexdigest()
    return "monitoring:page:" + digest[:32]


def do_not_store(response: HttpResponseBase) -> HttpResponseBase:
    """Say that this response, though a 200, must be served uncached: the view found an
    address that is not one of its finite, canonical ones (a filter value that is not a
    choice, a page number outside the page range)."""
    setattr(response, _NOT_STORED, True)
    return response


def _public_headers(response: HttpResponseBase, etag: str) -> None:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL


def public_page(
    *,
    store: bool = True,
    params: Callable[[], Iterable[str]] | None = None,
    search: Iterable[str] = (),
) -> Callable[[View], View]:
    """A public page: no sign-in, GET or HEAD only, an ETag from the public version and
    the address, 304 for a matching If-None-Match, `Cache-Control: public`, and (with
    `store`) the rendered page kept in the public cache under its canonical address
    (`_store_key`; the view may refuse with `do_not_store`). Streamed responses (the
    data files) get the ETag and 304 but are not stored. `params` names the query
    parameters the page reads (none when not given), `search` those holding free text:
    an address with any other parameter, or with words to search for, is served but
    never stored. A cache that cannot be reached, or is full, serves the page uncached.
    A page from the cache has the same headers as one just rendered."""
    search = frozenset(search)

    def decorate(view: View) -> View:
        known: list[str] = []

        def known_params() -> list[str]:
            if params is not None and not known:
                known.extend(params())
            return known

        @login_not_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            version = public_version()
            if version is None:
                return view(request, *args, **kwargs)
            key = _etag_key(version, request)
            etag = f'W/"{key}"'
            asked = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
            if etag in asked or f'"{key}"' in asked:
                not_modified = HttpResponse(status=304)
                _public_headers(not_modified, etag)
                return not_modified
            cache = _cache()
            store_key = _store_key(version, request, known_params(), search) if store else None
            if store_key is not None:
                try:
                    hit = cache.get(store_key)
                except CACHE_ERRORS as error:
                    logger.warning("Public cache unreachable, serving uncached: %s", error)
                    store_key = hit = None
                if hit is not None:
                    body, content_type, extra = hit
                    from_cache = HttpResponse(body, content_type=content_type)
                    for name, value in extra.items():
                        from_cache[name] = value
                    _public_headers(from_cache, etag)
                    return from_cache
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if (
                store_key is not None
                and isinstance(response, HttpResponse)
                and not getattr(response, _NOT_STORED, False)
            ):
                extra = {
                    name: response[name]
                    for name in ("Content-Disposition", "Content-Language")
                    if response.has_header(name)
                }
                try:
                    cache.set(
                        store_key,
                        (response.content, response["Content-Type"], extra),
                        PAGE_TIMEOUT,
                    )
                except CACHE_ERRORS as error:
                    logger.warning("Public cache unreachable, page not stored: %s", error)
            _public_headers(response, etag)
            return response

        return wrapped

    return decorate
