"""The demo's Engage (issue 28): West Midlands Police in Engage since a Police Performance
Oversight Group meeting, an accelerated cause of concern tracked for it (raised by
letter before its report), and a part-done improvement plan: five actions (two done,
one in progress, one blocked, one overdue and not started) with dated updates, one of
them reviewed by the liaison lead. Idempotent: run twice, it adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engage import selectors as engage_selectors
from engage import services as engage_services
from engage.models import PlanAction, Stage
from forces.models import Force
from recommendations import services
from recommendations.models import Finding, InspectionReport, Status, TrackedItem
from recommendations.selectors import today

REPORT_SLUG = "peel-2025-west-midlands"
REPORT_TITLE = "PEEL 2025: An inspection of West Midlands Police"
CAUSE = (
    "The force does not respond to calls for service quickly enough, and it does not "
    "always identify vulnerable callers, so some people are put at risk of harm."
)
TEXT = (
    "By 30 September 2026 the force should make sure that calls for service are answered "
    "within national standards and that risk is assessed and recorded at first contact."
)
# (title, owner, due in days from today, [(days ago, status after, update text)])
ACTIONS: list[tuple[str, str, int, list[tuple[int, str, str]]]] = [
    (
        "Recruit and train 40 more call handlers",
        "Ch Supt Amira Khan, Force Contact",
        -30,
        [
            (80, "in-progress", "Recruitment campaign launched; 52 applicants shortlisted."),
            (35, "done", "40 call handlers trained and in post from 3 November."),
        ],
    ),
    (
        "Introduce THRIVE risk assessment at first contact",
        "Supt Daniel Okafor, Public Protection",
        -10,
        [(20, "done", "THRIVE is in the call-handling system and mandatory for every call.")],
    ),
    (
        "Audit a monthly sample of 200 calls for risk assessment",
        "DCI Laura Bennett, Professional Standards",
        45,
        [(14, "in-progress", "October's audit done: 71% compliant. November's audit under way.")],
    ),
    (
        "Replace the command-and-control system",
        "Head of Digital, Priya Raman",
        120,
        [(9, "blocked", "Procurement paused pending the PCC's budget decision in January.")],
    ),
    (
        "Publish a demand-management plan for the control room",
        "ACC Tom Fielding",
        -15,
        [],
    ),
]


def load_engage(users: dict[str, Any]) -> int:
    """Put West Midlands Police in Engage with its plan; how many things it created."""
    admin, inspector = users["admin"], users["inspector"]
    officer, lead = users["officer.wmp"], users["lead.wm"]
    wmp = Force.objects.get(slug="west-midlands")
    on = today()
    created = 0
    published = on - dt.timedelta(days=200)
    report, made = InspectionReport.objects.get_or_create(
        slug=REPORT_SLUG,
        defaults={
            "title": REPORT_TITLE,
            "published": published,
            "kind": InspectionReport.Kind.FORCE,
            "response_required": True,
        },
    )
    created += made
    finding, made = Finding.objects.get_or_create(
        report=report,
        kind=Finding.Kind.CAUSE_OF_CONCERN,
        number=1,
        defaults={
            "cause_of_concern": CAUSE,
            "text": TEXT,
            "accelerated": True,
            "letter_date": report.published - dt.timedelta(days=45),
        },
    )
    created += made
    if engage_selectors.engage_since(wmp.pk) is None:
        entered = report.published - dt.timedelta(days=30)
        engage_services.stage_set(
            force=wmp,
            stage=Stage.ENGAGE,
            entered_on=entered,
            reason="Serious concerns about the force's response to calls for service and "
            "its identification of vulnerable people, set out in the accelerated cause of "
            "concern letter.",
            meeting=f"PPOG {entered.day} {entered:%B %Y}",
            by=inspector,
        )
        created += 1
    item = TrackedItem.objects.filter(finding=finding, force=wmp).first()
    if item is None:
        item = services.item_create(finding=finding, force=wmp, by=admin)
        item.liaison_lead = lead
        services.save_item(item, by=admin, reason="Demo data")
        services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
        created += 1
    if PlanAction.objects.filter(item=item).exists():
        return created
    first_update = None
    for title, owner, due_in, updates in ACTIONS:
        action = engage_services.plan_action_add(
            item=item,
            by=officer,
            title=title,
            owner=owner,
            due_on=on + dt.timedelta(days=due_in),
        )
        for days_ago, status, text in updates:
            update = engage_services.plan_update_add(
                action=action,
                by=officer,
                text=text,
                status=status,
                on=on - dt.timedelta(days=days_ago),
            )
            first_update = first_update or update
        created += 1
    if first_update is not None:
        engage_services.plan_update_review(
            update=first_update, by=lead, comment="Good progress: send the training records."
        )
    return created
