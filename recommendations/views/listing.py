"""The filtered list of items and its CSV and Excel downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, QuerySet
from django.db.models.functions import Substr
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited
from markupsafe import Markup

from forces.models import Force, Region
from forces.selectors import role_of
from savedsearches.selectors import saved_searches_of
from tracker.base_url import base_url
from tracker.downloads import XLSX, csv_download, download
from tracker.govuk_forms import choices_of
from tracker.text import extract

from .. import counts, exports
from ..filters import SORTS, ItemFilter
from ..models import Finding, InspectionReport, Status, TrackedItem
from ..policy import visible_force_ids
from ..selectors import (
    items_visible_to,
    overdue_by,
    proposal_open,
    review_wait_days,
    stale_by,
    stale_cutoff,
    today,
    with_review_since,
)
from .bulk import may_bulk
from .common import AuthenticatedHttpRequest, sort_step


def _filtered(request: AuthenticatedHttpRequest) -> tuple[ItemFilter, QuerySet[TrackedItem]]:
    """The list's rows: the person's scope, then the filters; none when a filter is bad."""
    base = (
        items_visible_to(request.user)
        # One join, not six: planning a six-way join cost more than running it. The small
        # tables (forces, statuses, reports) come by id in their own trivial queries.
        .select_related("finding")
        .prefetch_related("force", "status", "finding__report")
        .defer("search", "finding__text", "finding__cause_of_concern")
    )
    filterset = ItemFilter(request.GET, queryset=base, request=request)
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs


# What a row of the table reads, in the page's one query: the item's columns, and its
# force's name, report's title and finding's kind and number from the rows themselves
# (not the sort keys' copies, which only a save keeps current). A row is a dict: no model
# instances, no queries of the forces, statuses and reports (issue 29).
ROW_FIELDS = (
    "id",
    "portal_id",
    "status_id",
    "owner_rank",
    "owner_name",
    "owner_department",
    "last_entry_on",
    "target_date",
    "force__name",
    "finding__report__title",
    "finding__kind",
    "finding__number",
)


def with_row_facts(qs: QuerySet[TrackedItem]) -> QuerySet[TrackedItem]:
    """The page's rows, as dicts of ROW_FIELDS, with what their cells say beyond the
    item's own columns, in the same query: the start of the recommendation's text (the
    full text stays deferred) and whether a closure proposal is open."""
    return (
        qs.prefetch_related(None)
        .annotate(text_start=Substr("finding__text", 1, 400), proposed=proposal_open())
        .values(*ROW_FIELDS, "text_start", "proposed")
    )


def _review_since(rows: list[dict[str, Any]]) -> None:
    """Since when each of the page's items awaiting review has waited (`review_since`,
    for the "Review overdue" tag): one small query for those rows only, so the page's
    own query (the text search's, the sorts') stays on the items' table."""
    waiting = [r["id"] for r in rows if r["status_id"] == Status.AWAITING_REVIEW]
    if not waiting:
        return
    waits = with_review_since(TrackedItem.objects.filter(pk__in=waiting))
    since = dict(waits.values_list("pk", "review_since"))  # type: ignore[misc]  # an annotation the stubs cannot see
    for r in rows:
        r["review_since"] = since.get(r["id"])


def list_rows(
    items: Iterable[dict[str, Any]], base: str, statuses: Iterable[Status] | None = None
) -> list[dict[str, object]]:
    """The table's cells as plain values (the template engine resolves dict keys far
    faster than chains of attributes and properties), by the same rules as an item in
    memory: selectors.overdue_by, stale_by, review_wait_days, Finding.reference and
    TrackedItem.owner_text."""
    on = today()
    cutoff = stale_cutoff(on)  # selectors.stale_q, for items in memory
    by_slug = {s.pk: s for s in (Status.objects.all() if statuses is None else statuses)}
    kinds = dict(Finding.Kind.choices)
    rows = []
    for i in items:
        status = by_slug[i["status_id"]]
        kind = kinds.get(i["finding__kind"], i["finding__kind"])
        target = i["target_date"]
        rows.append(
            {
                "id": i["id"],
                "url": f"{base}{i['id']}/",
                "portal_id": i["portal_id"],
                "force": i["force__name"],
                "report": i["finding__report__title"],
                "reference": f"{kind} {i['finding__number']}" if i["finding__number"] else kind,
                "type": kind,
                "status": status.name,
                "tag": status.tag_colour,
                "owner": TrackedItem.owner_text(
                    i["owner_rank"], i["owner_name"], i["owner_department"]
                ),
                "days": (on - i["last_entry_on"]).days,
                "updated": i["last_entry_on"],
                "target": target,
                "overdue": overdue_by(status.is_open, target, on),
                "stale": stale_by(status.pk, i["last_entry_on"], cutoff),
                "extract": extract(i["text_start"] or ""),
                "proposed": i["proposed"],
                "review_overdue": review_wait_days(i["status_id"], i.get("review_since"), on),
            }
        )
    return rows


LIST_COLUMNS = [
    ("portal_id", "Portal ID"),
    ("force", "Force"),
    ("report", "Report"),
    ("reference", "Reference"),  # "Recommendation 5": it names the type too
    ("status", "Status"),
    ("owner", "Owner"),
    ("updated", "Last update"),
    ("target_date", "Target date"),
]


# The filters each role uses most come first in the panel (issue 25); the rest follow
# in the FilterSet's own order. An inspector (or a chief of staff, or an administrator)
# asks "what is outstanding for force X, from which report"; a liaison lead starts from
# their forces, then the status (their review queue); a liaison officer, of one force,
# from the status. A filter the person does not have (the force filter of a person of
# one force, the region filter of one region) is passed over.
FIRST_FILTERS: dict[str, tuple[str, ...]] = {
    "inspector": ("force", "region", "report", "status"),
    "chief-of-staff": ("force", "region", "report", "status"),
    "admin": ("force", "region", "report", "status"),
    "liaison-lead": ("force", "status", "report"),
    "liaison-officer": ("status", "report"),
}
NOT_IN_PANEL = ("sort",)  # the column headings sort; the form carries it hidden


def filter_order(user: object, filterset: ItemFilter) -> list[str]:
    """The names of the filter panel's fields, in the order this person's role uses them
    (someone with no role gets the inspector's order)."""
    spec = role_of(user)
    first = FIRST_FILTERS.get(spec.slug if spec else "", FIRST_FILTERS["inspector"])
    names = [name for name in filterset.form.fields if name not in NOT_IN_PANEL]
    return [name for name in first if name in names] + [n for n in names if n not in first]


@require_GET
def item_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset, qs = _filtered(request)
    by_status, exact = status_counts(request, filterset, qs)
    paginator = Paginator(with_row_facts(qs), 50)
    # The per-status counts' sum is the paginator's count, so it needs no COUNT query of
    # its own; past the bound, the pages go as far as the bound (and one row on).
    total: int = sum(c["count"] for c in by_status)  # type: ignore[misc]  # ints
    paginator.count = total if exact else counts.BOUND + 1  # a cached_property, set
    asked = request.GET.get("page")
    page = paginator.get_page(paginator.num_pages if asked == "last" else asked)
    items = page_items(page, exact=exact)
    _review_since(items)
    rows = list_rows(items, reverse("recommendations:list"), filterset.statuses)
    order = filter_order(request.user, filterset)
    empty = filterset.is_valid() and not paginator.count
    panel = filter_panel(request, filterset, order)
    return render(
        request,
        "recommendations/list.html",
        {
            "filter": filterset,
            "filter_order": order,
            "filter_html": panel,
            "broader": broader_searches(request, filterset, order) if empty else None,
            "page": page,
            "rows": rows,
            "selected": selected_filters(request, filterset),
            "sort_links": sort_links(request),
            "columns": LIST_COLUMNS,
            "may_bulk": may_bulk(request.user),
            "query": _query_without(request, "page"),
            "status_counts": by_status,
            "count_exact": exact,
            "count_bound": counts.BOUND,
            "exact_href": "?" + _query_with(request, "count", "exact"),
            "saved_views": list(saved_searches_of(request.user)),
        },
    )


def _forces_asked(request: HttpRequest, cleaned: dict[str, object]) -> frozenset[int] | None:
    """The forces a table-answerable filter covers: the person's scope, narrowed by the
    force and region filters (every force for None)."""
    chosen = visible_force_ids(request.user)  # type: ignore[arg-type]  # a signed-in user
    picked = cleaned.get("force")
    if picked:
        ids = frozenset(f.pk for f in picked)  # type: ignore[attr-defined]  # Force objects
        chosen = ids if chosen is None else chosen & ids
    region = cleaned.get("region")
    if isinstance(region, Region):
        ids = frozenset(Force.objects.filter(region=region).values_list("pk", flat=True))
        chosen = ids if chosen is None else chosen & ids
    return chosen


def _statuses_chosen(filterset: ItemFilter) -> set[str]:
    """The statuses the status filter keeps (as ItemFilter.filter_status reads it)."""
    value = set(filterset.form.cleaned_data.get("status") or ["all"])
    if "all" in value:
        return {s.slug for s in filterset.statuses}
    return {
        s.slug for s in filterset.statuses if s.slug in value or ("open" in value and s.is_open)
    }


# Parameters that do not change the filter panel's markup beyond the sort's hidden field.
PANEL_NEUTRAL = ("page", "count")
PANEL_SECONDS = 24 * 60 * 60


def reference_version() -> str:
    """A version of the reference data the filter panel shows, in one small query: the
    forces, regions, statuses, themes and reports, each by its newest history row (every
    edit in the admin or a service writes one) and, for reports (which the seeder writes
    in bulk), their number and highest id."""
    tables = [
        "forces_historicalforce",
        "forces_historicalregion",
        "recommendations_historicalstatus",
        "recommendations_historicaltheme",
        "recommendations_historicalinspectionreport",
    ]
    parts = [f"(SELECT max(history_id) FROM {t})" for t in tables]  # noqa: S608  # our names
    parts += [
        "(SELECT count(*) FROM recommendations_inspectionreport)",
        "(SELECT max(id) FROM recommendations_inspectionreport)",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608  # nosec B608  # our own names
        return ":".join(str(v) for v in cursor.fetchone())


def filter_panel(request: HttpRequest, filterset: ItemFilter, order: list[str]) -> Markup | None:
    """The filter panel's markup, from the cache when no filter is chosen (the default
    list, any sort or page): one key per reference-data version, role, scope (the
    sorted ids of its forces and, for a scoped person, of its reports), sort and
    language, so the keys are finite. None (rendered by the page) when a filter is
    chosen or wrong."""
    chosen = [
        k for k, v in request.GET.lists() if k not in PANEL_NEUTRAL and k != "sort" and any(v)
    ]
    if chosen or not filterset.is_valid():
        return None
    spec = role_of(request.user)
    force_ids = visible_force_ids(request.user)  # type: ignore[arg-type]  # a signed-in user
    scope = "all"
    if force_ids is not None:
        reports = getattr(filterset, "report_ids", None)
        if reports is None:
            reports = counts.report_ids_with_items(force_ids)
        scope = ",".join(map(str, sorted(force_ids))) + "|" + ",".join(map(str, reports))
    sort = request.GET.get("sort", "")
    language = translation.get_language() or ""
    raw = "|".join([reference_version(), spec.slug if spec else "", scope, sort, language])
    key = "list-filters:" + hashlib.sha256(raw.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "recommendations/_list_filters.html",
            {"filter": filterset, "filter_order": order},
            request=request,
        )
        cache.set(key, html, PANEL_SECONDS)
    return Markup(html)  # noqa: S704  # nosec B704  # our own template's output


def page_items(page: Page, *, exact: bool) -> list[dict[str, Any]]:
    """The page's rows. A page in the second half of an exact count is read from the
    far end of the sort's index (the order reversed, then the rows turned back), so the
    last page reads 50 rows, not every row before them: OFFSET walks what it skips."""
    paginator = page.paginator
    count = paginator.count
    start, end = page.start_index() - 1, page.end_index()
    if not exact or page.number <= paginator.num_pages // 2 or end <= start:
        return list(page.object_list)
    items: QuerySet[Any] = paginator.object_list  # type: ignore[assignment]  # a QuerySet of dicts
    rows = items.reverse()[count - end : count - start]
    return list(reversed(list(rows)))


def status_counts(
    request: HttpRequest, filterset: ItemFilter, qs: QuerySet[TrackedItem]
) -> tuple[list[dict[str, object]], bool]:
    """How many of the filtered rows are in each status, in the statuses' order, each
    with the link that narrows the list to that status; and whether the counts are
    exact. A filter of scope, status, report, force or region reads the counts table
    (recommendations.counts: no scan of items); any other is counted from the items up
    to counts.BOUND, or exactly when the address asks (`count=exact`)."""
    if not filterset.is_valid():
        return [], True
    cleaned = filterset.form.cleaned_data
    if counts.table_answers(cleaned):
        report = cleaned.get("report")
        found = counts.by_status(
            _forces_asked(request, cleaned),
            [report.pk] if isinstance(report, InspectionReport) else None,
        )
        exact = True
    else:
        exact_asked = request.GET.get("count") == "exact"
        bounded = counts.bounded_by_status(qs, limit=None if exact_asked else counts.BOUND)
        found, exact = bounded.by_status, bounded.exact
    chosen = _statuses_chosen(filterset)
    rows = []
    for status in filterset.statuses:
        if status.slug not in chosen or not found.get(status.slug):
            continue
        params = request.GET.copy()
        params.pop("page", None)
        params.setlist("status", [status.slug])
        rows.append(
            {
                "slug": status.slug,
                "name": status.name,
                "count": found[status.slug],
                "href": "?" + params.urlencode(),
            }
        )
    return rows, exact


@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    _, qs = _filtered(request)
    return csv_download(
        exports.rows(qs, base=base_url(request)),
        headers=exports.HEADERS,
        filename=exports.export_filename("csv"),
    )


@require_GET
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, qs = _filtered(request)
    return download(
        exports.xlsx_bytes(exports.rows(qs, base=base_url(request))),
        filename=exports.export_filename("xlsx"),
        content_type=XLSX,
    )


def _variant(
    filterset: ItemFilter, *, without: str = "", statuses: list[str] | None = None
) -> QuerySet[TrackedItem]:
    """The person's rows under the same filters but one left out (`without`), or with
    other statuses (`statuses`): the filters the form already cleaned, applied again as
    the FilterSet applies them, so no query is run to build it."""
    qs = filterset.queryset.all()
    for name, value in filterset.form.cleaned_data.items():
        if name in (without, *NOT_IN_PANEL):
            continue
        if name == "status" and statuses is not None:
            value = statuses
        qs = filterset.filters[name].filter(qs, value)
    return qs.order_by()


def _chosen(filterset: ItemFilter, names: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """The filters given a value, other than the status, in `names` order: (name, the
    panel's label, the chosen values' labels)."""
    data = filterset.form.data
    chosen = []
    for name in names:
        values = [v for v in data.getlist(name) if v] if name != "status" else []
        if not values:
            continue
        field = filterset.form.fields[name]
        labels = {str(k): str(v) for k, v in choices_of(field)} if hasattr(field, "choices") else {}
        chosen.append(
            (name, str(filterset.filters[name].label), [labels.get(v, v) for v in values])
        )
    return chosen


def broader_searches(
    request: HttpRequest, filterset: ItemFilter, order: list[str]
) -> dict[str, object]:
    """Why a valid search found nothing, and the nearest broader searches that do find
    items: the same filters in any status (one COUNT), and each filter left out in turn
    (one query of EXISTS probes, each stopping at its first row). Run only when the list
    is empty, so a list with rows pays nothing for it."""
    statuses = [str(s) for s in filterset.form.cleaned_data.get("status") or []]
    other_statuses = None
    if "all" not in statuses:
        n = _variant(filterset, statuses=["all"]).count()
        if n:
            default = statuses == ["open"]
            items = (
                f"{n} closed item{'s' * (n != 1)}"
                if default
                else (f"{n} item{'s' * (n != 1)} in other statuses")
            )
            other_statuses = {
                "text": f"{items} {'matches' if n == 1 else 'match'} these filters",
                "link": "include closed items" if default else "show items in any status",
                "href": "?" + _query_with(request, "status", "all"),
            }
    chosen = _chosen(filterset, order)
    drops: list[dict[str, str]] = []
    if not chosen:  # in any status, the same as everything the person may see
        anything = other_statuses is not None
    else:
        # The ORM has no SELECT without a table: the probes are asked of one row of the
        # statuses table, whose rows the filter has already read.
        probes = {
            f"without_{n}": Exists(_variant(filterset, without=name))
            for n, (name, _label, _values) in enumerate(chosen)
        }
        probes["anything"] = Exists(filterset.queryset.order_by())
        found = (
            Status.objects.order_by()
            .filter(pk=filterset.statuses[0].slug)
            .annotate(**probes)
            .values(*probes)
            .first()
        ) or {}
        anything = bool(found.get("anything"))
        for n, (name, label, values) in enumerate(chosen):
            if found.get(f"without_{n}"):
                drops.append(
                    {
                        "label": f"{label}: {' or '.join(values)}",
                        "href": "?" + _query_without(request, "page", name),
                    }
                )
    return {"statuses": other_statuses, "drops": drops, "anything": anything}


def _query_with(request: HttpRequest, name: str, value: str) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.setlist(name, [value])
    return params.urlencode()


def _query_without(request: HttpRequest, *names: str, drop: tuple[str, str] | None = None) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    if drop:
        key, value = drop
        remaining = [v for v in params.getlist(key) if v != value]
        params.setlist(key, remaining or (["all"] if key == "status" else []))
    return params.urlencode()


def selected_filters(request: HttpRequest, filterset: ItemFilter) -> list[dict[str, str]]:
    """The removable tags of the MOJ filter layout: one per chosen value, named as the
    filter panel names it."""
    tags = []
    data = filterset.form.data
    for name, flt in filterset.filters.items():
        values = [v for v in data.getlist(name) if v] if name != "sort" else []
        values = [v for v in values if not (name == "status" and v == "all")]
        if not values:
            continue
        field = filterset.form.fields[name]
        labels = {str(k): str(v) for k, v in choices_of(field)} if hasattr(field, "choices") else {}
        for value in values:
            tags.append(
                {
                    "group": str(flt.label),
                    "label": labels.get(value, value),
                    "href": "?" + _query_without(request, "page", drop=(name, value)),
                }
            )
    return tags


def sort_links(request: HttpRequest) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it, and its aria-sort state."""
    current = request.GET.get("sort", "")
    links = {}
    for key in SORTS:
        state, nxt = sort_step(current, key)
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = nxt
        links[key] = {"href": "?" + params.urlencode(), "state": state}
    if not current:
        links["updated"]["state"] = "ascending"
        params = request.GET.copy()
        params["sort"] = "-updated"
        links["updated"]["href"] = "?" + params.urlencode()
    return links


REPORT_QUERY_MAX = 100  # characters of `q` read; the rest is ignored
REPORT_RESULTS = 20


@require_GET
def reports_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The report picker's options (`?q=` words of the title, up to 20, newest first):
    the reports the person's list may be filtered by (every report, or those with items
    in their scope, from the counts table), so the page need not carry them all for the
    autocomplete. Signed in (LoginRequiredMiddleware), rate limited per person."""
    limited = is_ratelimited(
        request,
        group="reports-json",
        key=lambda group, request: str(request.user.pk),
        rate=getattr(settings, "REPORTS_JSON_RATE", "300/m"),  # a person typing: ample
        increment=True,
    )
    if limited:
        return JsonResponse({"error": "Too many requests: wait a minute"}, status=429)
    words = request.GET.get("q", "")[:REPORT_QUERY_MAX].split()
    reports = InspectionReport.objects.order_by("-published", "title")
    force_ids = visible_force_ids(request.user)
    if force_ids is not None:
        reports = reports.filter(pk__in=counts.report_ids_with_items(force_ids))
    for word in words[:10]:
        reports = reports.filter(title__icontains=word)
    results = [
        {"value": slug, "label": title}
        for slug, title in reports.values_list("slug", "title")[:REPORT_RESULTS]
    ]
    return JsonResponse({"results": results})
