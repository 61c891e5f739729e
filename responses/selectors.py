"""Reads of the PCC responses, each starting from `items_visible_to(user)`: a person sees
the responses of the forces whose items they see (liaison officers and leads their
forces, chiefs of staff their region's, a PCC office the force it serves, inspectors and
administrators every force).

A police force needs its PCC to respond to a report when the report needs responses and
the force has at least one item of it (national bodies and PCC offices as recipients
owe none). The state of that response is one of:

- `received`: a `PccResponse` is recorded;
- `due`: none yet, and today is on or before the due date (published + 56 days);
- `overdue`: none yet, and the due date has passed.

`state_q` is the one definition, used by the list filter, the dashboards, the report
page, the reminders and the CSV alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from forces.models import Force
from recommendations.models import Finding, InspectionReport, TrackedItem
from recommendations.selectors import items_visible_to, today

from .models import RESPONSE_DAYS, Answer, PccResponse, ResponseAnswer, due_date
from .rules import may_record

State = Literal["due", "overdue", "received"]
STATES: tuple[State, ...] = ("due", "overdue", "received")
STATE_LABELS: dict[State, str] = {"due": "Due", "overdue": "Overdue", "received": "Received"}
STATE_TAGS: dict[State, str] = {
    "due": "govuk-tag--blue",
    "overdue": "govuk-tag--red",
    "received": "govuk-tag--green",
}


def last_on_time_published(on: dt.date) -> dt.date:
    """Reports published on or after this date are still within their 56 days on `on`."""
    return on - dt.timedelta(days=RESPONSE_DAYS)


def _received() -> Exists:
    return Exists(
        PccResponse.objects.filter(report=OuterRef("finding__report"), force=OuterRef("force"))
    )


def state_q(state: State, on: dt.date | None = None) -> Q:
    """Items whose force's response to their report is in `state` on `on`."""
    on = on or today()
    needed = Q(finding__report__response_required=True, force__kind=Force.Kind.FORCE)
    if state == "received":
        return needed & Q(_received())
    waiting = needed & ~Q(_received())
    if state == "overdue":
        return waiting & Q(finding__report__published__lt=last_on_time_published(on))
    return waiting & Q(finding__report__published__gte=last_on_time_published(on))


def state_of(published: dt.date, received: dt.date | None, on: dt.date | None = None) -> State:
    if received is not None:
        return "received"
    return "overdue" if (on or today()) > due_date(published) else "due"


@dataclass(frozen=True)
class Outstanding:
    """One force's response to one report, not yet received."""

    report_slug: str
    report_title: str
    force_slug: str
    force_name: str
    published: dt.date

    @property
    def due(self) -> dt.date:
        return due_date(self.published)

    def days_to_due(self, on: dt.date) -> int:
        return (self.due - on).days


def outstanding(
    items: QuerySet[TrackedItem],
    state: Literal["due", "overdue"],
    on: dt.date,
    limit: int,
    within_days: int | None = None,
) -> tuple[list[Outstanding], int]:
    """(the first `limit` responses in `state` among `items`' (report, force) pairs,
    oldest due first, and how many there are), in two queries. `within_days` keeps the
    due ones whose due date is at most that many days away."""
    items = items.filter(state_q(state, on))
    if within_days is not None:
        items = items.filter(
            finding__report__published__lte=last_on_time_published(on)
            + dt.timedelta(days=within_days)
        )
    total = items.values("finding__report_id", "force_id").distinct().order_by().count()
    rows = list(
        items.values_list(
            "finding__report__slug",
            "finding__report__title",
            "force__slug",
            "force__name",
            "finding__report__published",
        )
        .distinct()
        .order_by("finding__report__published", "force__name", "finding__report__slug")[:limit]
    )
    return [Outstanding(*row) for row in rows], total


@dataclass(frozen=True)
class ForceResponse:
    """A force's response to one report, as the report page and the form show it."""

    force: Force
    report: InspectionReport
    response: PccResponse | None
    state: State
    # Whether the person reading may record (or correct) it: rules.response_refusal.
    recordable: bool = False

    @property
    def due(self) -> dt.date:
        return due_date(self.report.published)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def tag(self) -> str:
        return STATE_TAGS[self.state]


def report_responses(user: User, report: InspectionReport) -> list[ForceResponse]:
    """Each visible force's response to the report (none when it needs no response), by
    force name, in three queries."""
    if not report.response_required:
        return []
    force_ids = items_visible_to(user).filter(finding__report=report).values("force_id").distinct()
    forces = list(Force.objects.police().filter(pk__in=force_ids).order_by("name"))
    recorded = {
        r.force_id: r
        for r in PccResponse.objects.filter(report=report, force__in=[f.pk for f in forces])
    }
    on = today()
    return [
        ForceResponse(
            force=f,
            report=report,
            response=recorded.get(f.pk),
            state=state_of(
                report.published, recorded[f.pk].received if f.pk in recorded else None, on
            ),
            recordable=may_record(user, f),
        )
        for f in forces
    ]


def force_response(user: User, report_slug: str, force_slug: str) -> ForceResponse:
    """One force's response to a report; 404 when the report needs no response, or the
    person sees none of the force's items of it (so nothing leaks)."""
    report = InspectionReport.objects.filter(slug=report_slug, response_required=True).first()
    force = Force.objects.police().filter(slug=force_slug).first()
    if (
        report is None
        or force is None
        or not items_visible_to(user).filter(finding__report=report, force=force).exists()
    ):
        raise Http404("No such response")
    response = PccResponse.objects.filter(report=report, force=force).first()
    return ForceResponse(
        force=force,
        report=report,
        response=response,
        state=state_of(report.published, response.received if response else None),
        recordable=may_record(user, force),
    )


def response_items(report: InspectionReport, force: Force) -> QuerySet[TrackedItem]:
    """The force's items of the report, in the report's order of findings."""
    return (
        TrackedItem.objects.filter(finding__report=report, force=force)
        .select_related("finding")
        .defer("search")
        .order_by("finding__kind", "finding__number", "finding_id")
    )


def answers_of(response: PccResponse | None) -> dict[int, str]:
    """item id → answer slug."""
    if response is None:
        return {}
    return dict(response.answers.values_list("item_id", "answer"))


def item_response(user: User, item: TrackedItem) -> ForceResponse | None:
    """The response that covers the item (its force's to its report), for its page."""
    report = item.finding.report
    if not report.response_required or not item.force.is_police_force:
        return None
    response = PccResponse.objects.filter(report=report, force_id=item.force_id).first()
    return ForceResponse(
        force=item.force,
        report=report,
        response=response,
        state=state_of(report.published, response.received if response else None),
        recordable=may_record(user, item.force),
    )


def csv_rows(user: User, report: InspectionReport) -> list[list[Any]]:
    """`force,report,published,due,received,response_url,reference,answer`: one row per
    visible force per item of the report, by force then finding; none for a report that
    needs no response."""
    if not report.response_required:
        return []
    recorded = {r.force_id: r for r in PccResponse.objects.filter(report=report)}
    answers = dict(
        ResponseAnswer.objects.filter(response__report=report).values_list("item_id", "answer")
    )
    words = dict(Answer.choices)
    items = (
        items_visible_to(user)
        .filter(finding__report=report, force__kind=Force.Kind.FORCE)
        .order_by("force__name", "finding__kind", "finding__number", "finding_id")
        .values_list("pk", "force_id", "force__name", "finding__kind", "finding__number")
    )
    due = due_date(report.published)
    rows = []
    for pk, force_id, force_name, kind, number in items:
        response = recorded.get(force_id)
        rows.append(
            [
                force_name,
                report.title,
                report.published,
                due,
                response.received if response else None,
                response.url if response else "",
                Finding(kind=kind, number=number).reference,
                words.get(answers.get(pk, ""), ""),
            ]
        )
    return rows
