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
from django.utils import timezone, translation
from django.utils.translation import gettext

from forces.models import Force
from recommendations import hooks
from recommendations.models import Status, TrackedItem
from recommendations.portal_format.parse import Entry, Page
from recommendations.portal_format.render import render as render_portal_page
from tracker.base_url import base_url
from tracker.downloads import TEXT, csv_download, download
from tracker.text import extract

from .cache import do_not_store, public_page
from .filters import PublicItemFilter
from .selectors import (
    PublicEntry,
    public_entries,
    public_items,
    public_recipients,
    public_timeline,
)
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
    # Issue 30: the texts, in English and Welsh (empty where there is no Welsh yet);
    # public_updates_cy: the public entries' Welsh, "date: text", blank-line separated
    # (the JSON: a list of {date, text}).
    "text",
    "text_cy",
    "cause_of_concern",
    "cause_of_concern_cy",
    "public_updates_cy",
]


def shown_reference(finding: Any) -> str:
    """How a page names a finding, in the page's language ("Argymhelliad 5")."""
    heading = gettext(finding.get_kind_display())
    return f"{heading} {finding.number}" if finding.number else heading


def welsh_page() -> bool:
    """Whether this page is the Welsh one (/cy/monitoring/...)."""
    return translation.get_language() == "cy"


def in_language(english: str, welsh: str) -> tuple[str, str | None]:
    """A text in the page's language, and its `lang` when that differs from the page's:
    on a Welsh page the Welsh where there is one, else the English marked "en" (the
    template says there is no Welsh yet); on an English page the English."""
    if not welsh_page():
        return english, None
    if welsh.strip():
        return welsh, None
    return english, ("en" if english.strip() else None)


def item_path(force_slug: str, public_id: int | None) -> str:
    return reverse("monitoring:item", args=[force_slug, public_id])


# The columns a public row reads (`_row`): public ones only.
_ROW_FIELDS = (
    "portal_id",
    "finding__kind",
    "finding__number",
    "finding__text",
    "finding__text_cy",
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
    text, text_lang = in_language(finding.text, finding.text_cy)
    return {
        "public_id": item.portal_id,
        "force": item.force.name,
        "force_slug": item.force.slug,
        "region": item.force.region.name,
        "region_shown": gettext(item.force.region.name),
        "report": finding.report.title,
        "report_slug": finding.report.slug,
        "published": finding.report.published,
        "type": finding.get_kind_display(),
        "reference": shown_reference(finding),
        "extract": extract(text),
        "extract_lang": text_lang,
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
            **_beyond_forces(filterset),
        },
        status=200 if filterset.is_valid() else 400,
    )
    if not _storable(request, filterset, page):
        do_not_store(response)
    return response


def _beyond_forces(filterset: PublicItemFilter) -> dict[str, list[dict[str, object]]]:
    """The recipients that are not police forces, for the index's own sections: every
    national body, and the PCC offices with public items; read from the force filter's
    own choices (monitoring.selectors.public_recipients), so no query of their own."""
    field = filterset.form.fields.get("force")
    rows = getattr(field, "recipient_rows", [])
    return {
        "national_bodies": [
            {"slug": v, "name": n} for v, n, k in rows if k == Force.Kind.NATIONAL_BODY
        ],
        "pcc_offices": [{"slug": v, "name": n} for v, n, k in rows if k == Force.Kind.PCC_OFFICE],
    }


@public_page()
def engage(request: HttpRequest) -> HttpResponse:
    """The forces in Engage, with the date each entered (the engage app's, through the
    core's hooks): what the inspectorate publishes, nothing of their plans."""
    rows = [{"force": f, "entered_on": on} for f, on in hooks.forces_in_engage()]
    return render(request, "engage/public.html", {"stages": rows})


@public_page()
def force(request: HttpRequest, force_slug: str) -> HttpResponse:
    # A police force's or a national body's page; a PCC office's once it has public items.
    the_force = get_object_or_404(public_recipients().select_related("region"), slug=force_slug)
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
        {
            "force": the_force,
            "reports": reports,
            "counts": counts,
            "total": len(items),
            "engage_since": hooks.engage_since(the_force.pk),  # engage's, through the core
        },
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
    timeline = []
    for entry in public_timeline(obj):
        entry_text, entry_lang = in_language(entry["text"], entry["text_cy"] or "")
        timeline.append(
            {**entry, "paragraphs": blocks(entry_text) if entry_text else [], "lang": entry_lang}
        )
    finding = obj.finding
    text, text_lang = in_language(finding.text, finding.text_cy)
    cause, cause_lang = in_language(finding.cause_of_concern, finding.cause_of_concern_cy)
    return render(
        request,
        "monitoring/item.html",
        {
            "item": obj,
            "finding": finding,
            "reference": shown_reference(finding),
            "report": finding.report,
            "cause_of_concern": blocks(cause),
            "cause_of_concern_lang": cause_lang,
            "text": blocks(text),
            "text_lang": text_lang,
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
            "finding__cause_of_concern_cy",
            "finding__text",
            "finding__report__url",
            "status__order",
        )
        .order_by("force__name", "portal_id")
    )
    if not copies:
        raise Http404("No such recommendation")
    finding = copies[0].finding
    text, text_lang = in_language(finding.text, finding.text_cy)
    cause, cause_lang = in_language(finding.cause_of_concern, finding.cause_of_concern_cy)
    counted: dict[str, dict[str, Any]] = {}
    for copy in copies:
        counted.setdefault(copy.status_id, {"status": copy.status, "count": 0})["count"] += 1
    return render(
        request,
        "monitoring/every_force.html",
        {
            "finding": finding,
            "reference": shown_reference(finding),
            "report": finding.report,
            "cause_of_concern": blocks(cause),
            "cause_of_concern_lang": cause_lang,
            "text": blocks(text),
            "text_lang": text_lang,
            "rows": [_row(copy) for copy in copies],
            "counts": sorted(counted.values(), key=lambda c: c["status"].order),
        },
    )


def _entry_value(entry: PublicEntry, welsh: bool) -> str:
    if entry["kind"] == "status":
        return entry["status"] or ""
    return (entry["text_cy"] or entry["text"]) if welsh else entry["text"]


def public_portal_page(obj: TrackedItem, welsh: bool = False) -> str:
    """The item in the monitoring-portal format with its public entries only, oldest
    first (the importer reads it back into the same item: tests). The Welsh form (from
    /cy/...) carries the Welsh texts where there are some, else the English; the
    format's own words (headings, dates) stay as the format has them."""
    entries = [
        Entry(e["date"], e["kind"], _entry_value(e, welsh), 0)
        for e in reversed(public_timeline(obj))
    ]
    finding = obj.finding
    cause, text = finding.cause_of_concern, finding.text
    if welsh:
        cause = finding.cause_of_concern_cy or cause
        text = finding.text_cy or text
    return render_portal_page(
        Page(
            kind=finding.kind,
            number=finding.number,
            cause_of_concern=cause,
            text=text,
            entries=entries,
            force_slug=obj.force.slug,
            portal_id=obj.portal_id,
        )
    )


@public_page()
def portal_page(request: HttpRequest, force_slug: str, public_id: int) -> HttpResponse:
    obj = _public_item(force_slug, public_id)
    welsh = welsh_page()
    return download(
        public_portal_page(obj, welsh=welsh),
        filename=f"{force_slug}-{public_id}{'-cy' if welsh else ''}.txt",
        content_type=TEXT,
    )


@public_page(store=False)
def legacy_redirect(request: HttpRequest, force_slug: str, public_id: int) -> HttpResponse:
    """The real portal's address scheme: a permanent redirect, so old links keep working."""
    obj = _public_item(force_slug, public_id)
    return HttpResponsePermanentRedirect(item_path(obj.force.slug, obj.portal_id))


def _welsh_updates(qs: QuerySet[TrackedItem]) -> dict[int, list[dict[str, str]]]:
    """The public entries' Welsh texts of the items in `qs`, oldest first, in one query
    (only Welsh forces' entries have any)."""
    updates: dict[int, list[dict[str, str]]] = {}
    rows = (
        public_entries()
        .filter(item__in=qs.order_by().values("pk"), welsh__isnull=False)
        .order_by("item_id", "date", "position")
        .values_list("item_id", "date", "welsh__text")
    )
    for item_id, day, text in rows:
        updates.setdefault(item_id, []).append({"date": day.isoformat(), "text": text})
    return updates


def _data_rows(
    request: HttpRequest, qs: QuerySet[TrackedItem], *, as_json: bool = False
) -> Iterator[dict[str, Any]]:
    base = base_url(request)
    welsh_updates = _welsh_updates(qs)
    texts = ("finding__cause_of_concern", "finding__cause_of_concern_cy")
    for item in _rows_qs(qs).only(*_ROW_FIELDS, *texts).iterator(chunk_size=2000):
        row = _row(item)
        finding = item.finding
        updates = welsh_updates.get(item.pk, [])
        yield {
            "public_id": row["public_id"],
            "force": row["force"],
            "region": row["region"],
            "report": row["report"],
            "published": row["published"].isoformat(),
            "type": row["type"],
            "reference": finding.reference,
            "status": row["status"],
            "last_public_update": (
                row["last_public_update"].isoformat() if row["last_public_update"] else ""
            ),
            "public_page_url": base + row["url"],
            "text": finding.text,
            "text_cy": finding.text_cy,
            "cause_of_concern": finding.cause_of_concern,
            "cause_of_concern_cy": finding.cause_of_concern_cy,
            "public_updates_cy": (
                updates if as_json else "\n\n".join(f"{u['date']}: {u['text']}" for u in updates)
            ),
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
    for n, row in enumerate(_data_rows(request, qs, as_json=True)):
        yield ("," if n else "") + "\n" + json.dumps(row)
    yield "\n]}\n"


@public_page(store=False)
def data_json(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filterset, qs = _filtered(request)
    if not filterset.is_valid():
        return _bad_filters(filterset)
    return StreamingHttpResponse(_json_chunks(request, qs), content_type="application/json")


SITEMAP_LANGUAGES = (("en-gb", "en-GB"), ("cy", "cy"))


def _in_each_language(view: str, args: list[Any]) -> list[str]:
    """The page's path in English and in Welsh."""
    paths = []
    for language, _hreflang in SITEMAP_LANGUAGES:
        with translation.override(language):
            paths.append(reverse(view, args=args))
    return paths


def _sitemap_urls(base: str, view: str, args: list[Any], lastmod: str = "") -> str:
    """Both languages' <url>s of one page, each naming both as alternates (a bilingual
    sitemap, as search engines read hreflang)."""
    paths = _in_each_language(view, args)
    alternates = "".join(
        f'<xhtml:link rel="alternate" hreflang="{hreflang}" href="{base}{path}"/>'
        for (_language, hreflang), path in zip(SITEMAP_LANGUAGES, paths, strict=True)
    )
    return "".join(f"<url><loc>{base}{path}</loc>{lastmod}{alternates}</url>\n" for path in paths)


def _sitemap_lines(request: HttpRequest) -> Iterator[str]:
    base = base_url(request)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    )
    yield _sitemap_urls(base, "monitoring:index", [])
    for slug in public_recipients().order_by("slug").values_list("slug", flat=True):
        yield _sitemap_urls(base, "monitoring:force", [slug])
    rows = (
        public_items()  # type: ignore[misc]  # django-stubs cannot see the annotation
        .order_by("force__slug", "portal_id")
        .values_list("force__slug", "portal_id", "last_public_update")
    )
    for slug, public_id, updated in rows.iterator(chunk_size=5000):
        lastmod = f"<lastmod>{updated.isoformat()}</lastmod>" if updated else ""
        yield _sitemap_urls(base, "monitoring:item", [slug, public_id], lastmod)
    yield "</urlset>\n"


@public_page(store=False)
def sitemap(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_sitemap_lines(request), content_type="application/xml")
