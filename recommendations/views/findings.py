"""One finding across the forces that track it: the page, sortable, and its rows as CSV
(`/findings/<id>/export.csv`, the same rows in the same order)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tracker.base_url import base_url
from tracker.downloads import csv_download

from .. import exports
from ..national import FINDING_SORTS, CopyRow, finding_rollup
from .bulk import may_bulk
from .common import AuthenticatedHttpRequest, sort_step

FINDING_COLUMNS = [
    ("force", "Force"),
    ("region", "Region"),
    ("status", "Status"),
    ("updated", "Days since update"),
    ("owner", "Owner"),
    ("target", "Target date"),
    ("proposal", "Closure proposal"),
]
CSV_HEADERS = [
    "force",
    "region",
    "portal_id",
    "status",
    "last_update",
    "days_since_update",
    "stale",
    "overdue",
    "owner",
    "target_date",
    "liaison_lead",
    "open_proposal",
    "proposal_verified_by",
    "url",
    # appended (issues 25 and 26), as at the end of the list's exports
    "text",
    "latest_update",
    "first_target_date",
    "target_date_moves",
    "recipient_kind",  # appended (issue 28): force, national-body or pcc-office
]


def _sort(request: AuthenticatedHttpRequest) -> str:
    sort = request.GET.get("sort", "force")
    return sort if sort.lstrip("-") in FINDING_SORTS else "force"


def sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each column: the address that sorts by it, and its aria-sort state."""
    links = {}
    for key in FINDING_SORTS:
        state, nxt = sort_step(current, key)
        links[key] = {"href": f"?sort={nxt}", "state": state}
    return links


@require_GET
def finding(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sort = _sort(request)
    rollup = finding_rollup(request.user, pk, sort)
    return render(
        request,
        "recommendations/finding.html",
        {
            "rollup": rollup,
            "finding": rollup.finding,
            "report": rollup.finding.report,
            "columns": FINDING_COLUMNS,
            "sort_links": sort_links(sort),
            "sort": sort,
            "may_bulk": may_bulk(request.user) and bool(rollup.rows),
        },
    )


def _csv_rows(rows: list[CopyRow], base: str, text: str) -> Iterator[list[object]]:
    item_path = reverse("recommendations:item", args=[0]).replace("/0/", "/{}/")
    yes_no = exports.yes_no
    for r in rows:
        yield [
            r.force,
            r.region,
            r.portal_id,
            r.status.slug,
            r.last_update,
            r.days_since_update,
            yes_no(r.stale),
            yes_no(r.overdue),
            r.owner,
            r.target_date,
            r.liaison_lead,
            yes_no(r.proposal),
            r.proposal.verified_by if r.proposal else "",
            base + item_path.format(r.item_id),
            text,
            r.latest_update,
            r.first_target_date,
            r.target_date_moves,
            r.kind,
        ]


@require_GET
def finding_export(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    rollup = finding_rollup(request.user, pk, _sort(request))
    return csv_download(
        _csv_rows(rollup.rows, base_url(request), rollup.finding.text),
        headers=CSV_HEADERS,
        filename=f"finding-{pk}-{exports.today().isoformat()}.csv",
    )
