"""The public monitoring portal's pages (no sign-in). Every read goes through
`monitoring.selectors` (public_items, public_timeline): these views never import the
internal selectors (tests/monitoring/test_never_leaks.py checks it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from forces.models import Force
from recommendations.models import Status, TrackedItem
from recommendations.portal_format.parse import Entry, Page
from recommendations.portal_format.render import render as render_portal_page
from tracker.base_url import base_url
from tracker.downloads import TEXT, csv_download, download
from tracker.text import extract

from .cache import do_not_store, public_page
from .filters import PublicItemFilter
from .selectors import public_items, public_timeline
from .text import blocks

PER_PAGE = 25
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
DATA_COLUMNS = [
    "public_id",
    "force",
    "region",
    "report",
    "published",
    "type",
    "reference",
    "status",
    "last_public_update",
    "public_page_url",
]


def item_path(force_slug: str, public_id: int | None) -> str:
    return reverse("monitoring:item", args=[force_slug, public_id])


# The columns a public row reads (`_row`): public ones only.
_ROW_FIELDS = (
    "portal_id",
    "finding__kind",
    "finding__number",
    "finding__text",
    "finding__report__title",
    "finding__report__slug",
    "finding__report__published",
    "force__name",
    "force__slug",
    "force__region__name",
    "status__name",
    "status__tag_colour",
)


def _rows_qs(qs: QuerySet[TrackedItem]) -> QuerySet[TrackedItem]:
    """The few columns a list row, a data row or the sitemap needs, with one join."""
    return qs.select_related("finding__report", "force__region", "status").only(*_ROW_FIELDS)


def _row(item: Any) -> dict[str, Any]:
    finding = item.finding
    return {
        "public_id": item.portal_id,
        "force": item.force.name,
        "force_slug": item.force.slug,
        "region": item.force.region.name,
        "report": finding.report.title,
        "report_slug": finding.report.slug,
        "published": finding.report.published,
        "type": finding.get_kind_display(),
        "reference": finding.reference,
        "extract": extract(finding.text),
        "status": item.status.name,
        "tag": item.status.tag_colour,
        "last_public_update": item.last_public_update,
        "url": item_path(item.force.slug, item.portal_id),
    }


def _filtered(request: HttpRequest) -> tuple[PublicItemFilter, QuerySet[TrackedItem]]:
    filterset = PublicItemFilter(request.GET, queryset=public_items())
    if not filterset.is_valid():
        return filterset, public_items().none()
    return filterset, filterset.qs.order_by("-portal_id")


def _query_without(request: HttpRequest, name: str, value: str | None = None) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    if value is None:
        params.pop(name, None)
    else:
        params.setlist(name, [v for v in params.getlist(name) if v != value])
    return params.urlencode()


def _selected(request: HttpRequest, filterset: PublicItemFilter) -> list[dict[str, str]]:
    """The MOJ filter's removable tags, one per chosen value."""
    tags = []
    data = filterset.form.data
    for name, flt in filterset.filters.items():
        values = [v for v in data.getlist(name) if v]
        if not values:
            continue
        field = filterset.form.fields[name]
        labels = {str(k): str(v) for k, v in getattr(field, "choices", [])}
        for value in values:
            tags.append(
                {
                    "group": str(flt.label),
                    "label": labels.get(value, value),
                    "href": "?" + _query_without(request, name, value),
                }
            )
    return tags


def _storable(request: HttpRequest, filterset: PublicItemFilter, page: Any) -> bool:
    """Whether the public cache may keep this list page (issue 23): at most one filter
    value, one of that filter's own choices (never words to search for), and the page
    number as the pagination writes it, inside the page range (a number past the last
    page shows the last page, and is not stored under that number). So the list has at
    most (1 + all the filters' choices) × (pages + 1) keys, whatever visitors send."""
    chosen = [
        (name, value)
        for name, values in request.GET.lists()
        if name != "page"
        for value in values
        if value
    ]
    if len(chosen) > 1:
        return False
    if chosen:
        name, value = chosen[0]
        choices = getattr(filterset.form.fields.get(name), "choices", None)
        if choices is None or value not in {str(key) for key, _label in choices}:
            return False
    asked = request.GET.get("page") or None
    return asked is None or asked == str(page.number)


@public_page(params=lambda: [*PublicItemFilter.base_filters, "page"], search=["q"])
def index(request: HttpRequest) -> HttpResponse:
    filterset, qs = _filtered(request)
    paginator = Paginator(_rows_qs(qs), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = _query_without(request, "page")
    response = render(
        request,
        "monitoring/index.html",
        {
            "filter": filterset,
            "page": page,
            "rows": [_row(item) for item in page.object_list],
            "selected": _selected(request, filterset),
            "query": query,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
        },
        status=200 if filterset.is_valid() else 400,
    )
    if not _storable(request, filterset, page):
        do_not_store(response)
    return response


@public_page()
def force(request: HttpRequest, force_slug: str) -> HttpResponse:
    the_force = get_object_or_404(Force.objects.select_related("region"), slug=force_slug)
    items = list(
        _rows_qs(public_items().filter(force=the_force)).order_by(
            "-finding__report__published",
            "finding__report__title",
            "finding_kind",
            "finding_number",
            "id",
        )
    )
    reports: list[dict[str, Any]] = []
    for item in items:
        row = _row(item)
        if not reports or reports[-1]["slug"] != row["report_slug"]:
            reports.append(
                {
                    "slug": row["report_slug"],
                    "title": row["report"],
                    "published": row["published"],
                    "rows": [],
                }
            )
        reports[-1]["rows"].append(row)
    counted = dict(
        public_items()
        .filter(force=the_force)
        .order_by()
        .values_list("status_id")
        .annotate(n=Count("id"))
        .values_list("status_id", "n")
    )
    counts = [
        {"status": s, "count": counted[s.slug]}
        for s in Status.objects.order_by("order")
        if counted.get(s.slug)
    ]
    return render(
        request,
        "monitoring/force.html",
        {"force": the_force, "reports": reports, "counts": counts, "total": len(items)},
    )


def _public_item(force_slug: str, public_id: int) -> TrackedItem:
    """The public item, and whether another force's copy of its finding is public too
    (`in_other_forces`: the item page then links to every force's copy)."""
    item = (
        public_items()
        .select_related("finding__report", "force__region", "status")
        .filter(force__slug=force_slug, portal_id=public_id)
        .annotate(
            in_other_forces=Exists(
                public_items().filter(finding_id=OuterRef("finding_id")).exclude(pk=OuterRef("pk"))
            )
        )
        .first()
    )
    if item is None:
        raise Http404("No such recommendation")
    return item


@public_page()
def item(request: HttpRequest, force_slug: str, public_id: int) -> HttpResponse:
    obj = _public_item(force_slug, public_id)
    timeline = [
        {**entry, "paragraphs": blocks(entry["text"]) if entry["text"] else []}
        for entry in public_timeline(obj)
    ]
    finding = obj.finding
    return render(
        request,
        "monitoring/item.html",
        {
            "item": obj,
            "finding": finding,
            "report": finding.report,
            "cause_of_concern": blocks(finding.cause_of_concern),
            "text": blocks(finding.text),
            "timeline": timeline,
            "last_public_update": obj.last_public_update,  # type: ignore[attr-defined]  # public_items' annotation
        },
    )


@public_page()
def every_force(request: HttpRequest, finding_id: int) -> HttpResponse:
    """ "This recommendation in every force": the finding's public texts, then each
    force's public copy of it with its status and last public update, in one query.
    Page not found (and so never stored) for a finding that is not public."""
    copies = list(
        _rows_qs(public_items().filter(finding_id=finding_id))
        .select_related("finding__report", "status")
        .only(
            *_ROW_FIELDS,
            "finding__cause_of_concern",
            "finding__text",
            "finding__report__url",
            "status__order",
        )
        .order_by("force__name", "portal_id")
    )
    if not copies:
        raise Http404("No such recommendation")
    finding = copies[0].finding
    counted: dict[str, dict[str, Any]] = {}
    for copy in copies:
        counted.setdefault(copy.status_id, {"status": copy.status, "count": 0})["count"] += 1
    return render(
        request,
        "monitoring/every_force.html",
        {
            "finding": finding,
            "report": finding.report,
            "cause_of_concern": blocks(finding.cause_of_concern),
            "text": blocks(finding.text),
            "rows": [_row(copy) for copy in copies],
            "counts": sorted(counted.values(), key=lambda c: c["status"].order),
        },
    )


def public_portal_page(obj: TrackedItem) -> str:
    """The item in the monitoring-portal format with its public entries only, oldest
    first (the importer reads it back into the same item: tests)."""
    entries = [
        Entry(e["date"], e["kind"], (e["status"] or "") if e["kind"] == "status" else e["text"], 0)
        for e in reversed(public_timeline(obj))
    ]
    finding = obj.finding
    return render_portal_page(
        Page(
            kind=finding.kind,
            number=finding.number,
            cause_of_concern=finding.cause_of_concern,
            text=finding.text,
            entries=entries,
            force_slug=obj.force.slug,
            portal_id=obj.portal_id,
        )
    )


@public_page()
def portal_page(request: HttpRequest, force_slug: str, public_id: int) -> HttpResponse:
    obj = _public_item(force_slug, public_id)
    return download(
        public_portal_page(obj), filename=f"{force_slug}-{public_id}.txt", content_type=TEXT
    )


@public_page(store=False)
def legacy_redirect(request: HttpRequest, force_slug: str, public_id: int) -> HttpResponse:
    """The real portal's address scheme: a permanent redirect, so old links keep working."""
    obj = _public_item(force_slug, public_id)
    return HttpResponsePermanentRedirect(item_path(obj.force.slug, obj.portal_id))


def _data_rows(request: HttpRequest, qs: QuerySet[TrackedItem]) -> Iterator[dict[str, Any]]:
    base = base_url(request)
    for item in _rows_qs(qs).iterator(chunk_size=2000):
        row = _row(item)
        yield {
            "public_id": row["public_id"],
            "force": row["force"],
            "region": row["region"],
            "report": row["report"],
            "published": row["published"].isoformat(),
            "type": row["type"],
            "reference": row["reference"],
            "status": row["status"],
            "last_public_update": (
                row["last_public_update"].isoformat() if row["last_public_update"] else ""
            ),
            "public_page_url": base + row["url"],
        }


def _bad_filters(filterset: PublicItemFilter) -> HttpResponse:
    problems = {name: [str(e) for e in errs] for name, errs in filterset.errors.items()}
    return HttpResponse(
        json.dumps({"errors": problems}), status=400, content_type="application/json"
    )


@public_page(store=False)
def data_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filterset, qs = _filtered(request)
    if not filterset.is_valid():
        return _bad_filters(filterset)
    rows = ([row[c] for c in DATA_COLUMNS] for row in _data_rows(request, qs))
    return csv_download(rows, headers=DATA_COLUMNS, filename="recommendations.csv")


def _json_chunks(request: HttpRequest, qs: QuerySet[TrackedItem]) -> Iterator[str]:
    metadata = {
        "title": "Police inspection recommendations: public monitoring data",
        "publisher": settings.SERVICE_NAME,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": f"Contains public sector information licensed under the {LICENCE}.",
        "generated": timezone.now().isoformat(timespec="seconds"),
        "filters": {k: request.GET.getlist(k) for k in sorted(request.GET) if k != "page"},
        "columns": DATA_COLUMNS,
    }
    yield '{"metadata": ' + json.dumps(metadata) + ', "items": ['
    for n, row in enumerate(_data_rows(request, qs)):
        yield ("," if n else "") + "\n" + json.dumps(row)
    yield "\n]}\n"


@public_page(store=False)
def data_json(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filterset, qs = _filtered(request)
    if not filterset.is_valid():
        return _bad_filters(filterset)
    return StreamingHttpResponse(_json_chunks(request, qs), content_type="application/json")


def _sitemap_lines(request: HttpRequest) -> Iterator[str]:
    base = base_url(request)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    yield f"<url><loc>{base}{reverse('monitoring:index')}</loc></url>\n"
    for slug in Force.objects.order_by("slug").values_list("slug", flat=True):
        yield f"<url><loc>{base}{reverse('monitoring:force', args=[slug])}</loc></url>\n"
    rows = (
        public_items()  # type: ignore[misc]  # django-stubs cannot see the annotation
        .order_by("force__slug", "portal_id")
        .values_list("force__slug", "portal_id", "last_public_update")
    )
    for slug, public_id, updated in rows.iterator(chunk_size=5000):
        lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
        yield f"<url><loc>{base}{item_path(slug, public_id)}</loc>{lastmod}</url>\n"
    yield "</urlset>\n"


@public_page(store=False)
def sitemap(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_sitemap_lines(request), content_type="application/xml")
