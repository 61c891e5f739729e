"""Demo data for `make run`: real reports, the real sample pages, and a few dozen
realistic items across the South West and West Midlands, in every status, some stale
and some overdue, and one demo user per role. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from forces.models import Force
from recommendations import services
from recommendations.models import (
    ClosureProposal,
    Finding,
    InspectionReport,
    Status,
    Theme,
    TimelineEntry,
    TrackedItem,
)
from recommendations.policy import Action
from recommendations.portal_format import importing
from recommendations.selectors import today
from responses.models import PccResponse
from responses.services import response_record

from .demo_engage import load_engage
from .demo_national import load_national
from .people import DEMO_PASSWORD as DEMO_PASSWORD  # the demo's published logins (README)
from .people import people_made

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"

USERS = [
    # username, role, forces, region, full name
    ("officer.glos", "liaison-officer", ["gloucestershire"], None, "Jo Densford"),
    ("officer.dc", "liaison-officer", ["devon-and-cornwall"], None, "Lee Wharmby"),
    ("officer.wmp", "liaison-officer", ["west-midlands"], None, "Priya Shah"),
    (
        "lead.sw",
        "liaison-lead",
        [
            "gloucestershire",
            "devon-and-cornwall",
            "avon-and-somerset",
            "dorset",
            "wiltshire",
            "gloucestershire-pcc",  # the Gloucestershire PCC office, as a recipient
        ],
        None,
        "Alex Morgan",
    ),
    (
        "lead.wm",
        "liaison-lead",
        ["west-midlands", "west-mercia", "staffordshire", "warwickshire"],
        None,
        "Chris Evans",
    ),
    ("chief.sw", "chief-of-staff", [], "south-west", "Sam Patel"),
    ("chief.wm", "chief-of-staff", [], "west-midlands-region", "Morgan Hughes"),
    ("inspector", "inspector", [], None, "Ruth Collins"),
    ("admin", "admin", [], None, "Dana Reid"),
    # The Gloucestershire police and crime commissioner's office (scope: its PCC office).
    ("pcc.glos", "pcc-office", ["gloucestershire"], None, "Priya Clarke"),
]

REPORTS = [
    (
        "peel-effectiveness-2016-national",
        "PEEL: Police effectiveness 2016 – A national overview",
        dt.date(2017, 3, 2),
        "national",
    ),
    (
        "peel-effectiveness-2016-gloucestershire",
        "PEEL: Police effectiveness 2016 – Gloucestershire Constabulary",
        dt.date(2017, 3, 2),
        "force",
    ),
    (
        "stolen-freedom-2017",
        "Stolen freedom: the policing response to modern slavery and human trafficking",
        dt.date(2017, 10, 24),
        "thematic",
    ),
    (
        "peel-efficiency-2017-national",
        "PEEL: Police efficiency 2017 – A national overview",
        dt.date(2017, 11, 9),
        "national",
    ),
    (
        "crime-data-integrity-2018-west-midlands",
        "Crime data integrity inspection 2018 – West Midlands Police",
        dt.date(2018, 9, 20),
        "force",
    ),
]

FINDINGS = [
    (
        "stolen-freedom-2017",
        "recommendation",
        1,
        "",
        "Forces should immediately ensure that modern slavery crimes are recorded correctly and "
        "that victims are safeguarded from the first point of contact.",
    ),
    (
        "stolen-freedom-2017",
        "recommendation",
        3,
        "",
        "Within six months, forces should review how they gather intelligence on modern slavery:"
        "\n\n• work with partner agencies to share information\n• brief neighbourhood teams on "
        "the signs of exploitation\n• record intelligence so that it can be searched",
    ),
    (
        "stolen-freedom-2017",
        "area-for-improvement",
        2,
        "",
        "The force should improve its understanding of the scale of modern slavery in its area.",
    ),
    (
        "peel-efficiency-2017-national",
        "recommendation",
        2,
        "",
        "By September 2018, forces should develop a demand model that takes account of hidden "
        "demand & the demand that partner organisations place on them.",
    ),
    (
        "peel-efficiency-2017-national",
        "area-for-improvement",
        4,
        "",
        "The force should ensure its workforce plans cover all of its workforce, including police "
        "staff and volunteers.",
    ),
]
CDI_FINDING = (
    "crime-data-integrity-2018-west-midlands",
    "cause-of-concern",
    None,
    "The force is not recording a substantial number of reports of violent crime, "
    "including domestic abuse.",
    "The force should immediately:\n\n• ensure that all reports of violent crime are "
    "recorded within 24 hours\n• review its crime recording training for call "
    "handlers",
)

COMMENTS = [
    "Update from the force: a working group chaired by the ACC has met twice and an action "
    "plan is agreed. Evidence of progress will follow at the next quarterly review.",
    "I met the force's lead for this area on {date}. Training has been delivered to 80% of "
    "response officers; the remainder are booked before the end of the quarter.",
    "The force reports that the new process went live in {month}. I have asked for the audit "
    "results that show it is working as intended.",
    "Reality testing during the last inspection found the new arrangements embedded in two of "
    "three local policing areas. Further evidence requested.",
    "Chased the force for an update; the owner has changed following a restructure.",
]
THEMES = [
    ("serious-and-organised-crime", "Serious and organised crime"),
    ("vulnerability", "Vulnerability"),
    ("crime-data-integrity", "Crime data integrity"),
    ("workforce", "Workforce"),
    ("modern-slavery", "Modern slavery"),
]


def _users() -> dict[str, Any]:  # the people, by username
    return people_made(USERS)


def _timeline(
    item: TrackedItem, rng: random.Random, lead: User, end_days_ago: int, final: str
) -> None:
    """Give an item a realistic dated history ending `end_days_ago` days before today."""
    on = item.last_entry_on
    end = today() - dt.timedelta(days=end_days_ago)
    span = max((end - on).days, 10)
    steps = rng.randint(2, 5)
    dates = sorted(on + dt.timedelta(days=rng.randint(1, span)) for _ in range(steps))
    dates[-1] = end
    services.append_entry(item, kind="status", on=dates[0], by=lead, status=Status.BEING_PROGRESSED)
    # Most of the lead's comments are published on the public portal (so /monitoring/
    # looks alive); every third is internal, as a lead's notes to the force would be.
    for n, d in enumerate(dates[:-1]):
        text = rng.choice(COMMENTS).format(date=f"{d:%-d %B %Y}", month=f"{d:%B %Y}")
        services.append_entry(
            item,
            kind="comment",
            on=d,
            by=lead,
            text=text,
            event=TimelineEntry.Event.COMMENT,
            visibility="internal" if n % 3 == 2 else "public",
        )
    if final == Status.BEING_PROGRESSED:
        services.append_entry(
            item,
            kind="comment",
            on=dates[-1],
            by=lead,
            event=TimelineEntry.Event.COMMENT,
            visibility="public",
            text=rng.choice(COMMENTS).format(date=f"{end:%-d %B %Y}", month=f"{end:%B %Y}"),
        )
    else:
        services.append_entry(
            item,
            kind="comment",
            on=dates[-1],
            by=lead,
            event=TimelineEntry.Event.COMMENT,
            visibility="public",
            text="I consider that the force has met the requirement of this "
            "recommendation and it should be marked as closed."
            if final == Status.COMPLETE
            else "Superseded by a later inspection's recommendation.",
        )
        services.append_entry(item, kind="status", on=dates[-1], by=lead, status=final)


@transaction.atomic
def load_demo() -> dict[str, int]:
    users = _users()
    admin = users["admin"]
    reports = {}
    for slug, title, published, kind in REPORTS:
        reports[slug], _ = InspectionReport.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "published": published,
                "kind": kind,
                "response_required": kind == InspectionReport.Kind.FORCE,
            },
        )
    for slug, name in THEMES:
        Theme.objects.get_or_create(slug=slug, defaults={"name": name})
    counts = {"imported": 0, "created": 0}

    # The real sample pages, through the same importer as the shell and the browser.
    samples: list[tuple[str, list[tuple[str, str | None]]]] = [
        (
            "peel-effectiveness-2016-national",
            [
                ("gloucestershire-recommendation-5.txt", "gloucestershire"),
                ("devon-and-cornwall-recommendation-5.txt", "devon-and-cornwall"),
            ],
        ),
        (
            "peel-effectiveness-2016-gloucestershire",
            [("gloucestershire-8786-cause-of-concern.txt", None)],
        ),
    ]
    for report_slug, files in samples:
        for name, page_force in files:
            plan = importing.plan(
                [(name, (SAMPLES / name).read_bytes())],
                by=admin,
                force_slug=page_force,
                report_slug=report_slug,
            )
            if plan.problems:
                raise RuntimeError("; ".join(plan.problems))
            if plan.files[0].new_entries:
                importing.apply(plan, by=admin)
                counts["imported"] += 1

    rng = random.Random(2017)  # nosec B311  # repeatable demo data, not a secret
    national_rec5 = Finding.objects.get(
        report=reports["peel-effectiveness-2016-national"], number=5
    )
    soc = Theme.objects.get(slug="serious-and-organised-crime")
    # West Midlands' copy of the national Recommendation 5 (portal ID 8767).
    wmp = Force.objects.get(slug="west-midlands")
    if not TrackedItem.objects.filter(finding=national_rec5, force=wmp).exists():
        item = services.item_create(
            finding=national_rec5, force=wmp, by=admin, portal_id=8767, on=dt.date(2017, 3, 3)
        )
        item.liaison_lead = users["lead.wm"]
        _timeline(item, rng, users["lead.wm"], end_days_ago=160, final=Status.BEING_PROGRESSED)
        services.save_item(item, by=admin, reason="Demo data")
        item.themes.add(soc)
        counts["created"] += 1

    findings = []
    for report_slug, kind, number, cause, text in [*FINDINGS, CDI_FINDING]:
        finding, _ = Finding.objects.get_or_create(
            report=reports[report_slug],
            kind=kind,
            number=number,
            defaults={"cause_of_concern": cause, "text": text},
        )
        findings.append(finding)
    sw_forces = [
        "gloucestershire",
        "devon-and-cornwall",
        "avon-and-somerset",
        "dorset",
        "wiltshire",
    ]
    wm_forces = ["west-midlands", "west-mercia", "staffordshire", "warwickshire"]
    plan_finals = [
        Status.BEING_PROGRESSED,
        Status.BEING_PROGRESSED,
        Status.COMPLETE,
        Status.AWAITING_REVIEW,
        Status.BEING_PROGRESSED,
        Status.NO_FURTHER_ACTION,
    ]
    for f_index, finding in enumerate(findings):
        forces = ["west-midlands"] if finding.report.kind == "force" else sw_forces + wm_forces
        for index, slug in enumerate(forces):
            force = Force.objects.get(slug=slug)
            if TrackedItem.objects.filter(finding=finding, force=force).exists():
                continue
            lead = users["lead.sw"] if slug in sw_forces else users["lead.wm"]
            item = services.item_create(finding=finding, force=force, by=admin)
            item.liaison_lead = lead
            final = plan_finals[(f_index + index) % len(plan_finals)]
            if final != Status.AWAITING_REVIEW:
                # Alternate between fresh, stale (over 90 days) and very stale items.
                end_days_ago = [12, 130, 240, 45][(f_index * 3 + index) % 4]
                _timeline(item, rng, lead, end_days_ago, final)
            if final == Status.BEING_PROGRESSED:
                item.owner_name, item.owner_rank = rng.choice(
                    [("Lee Wharmby", "Supt"), ("Kate Jones", "DCI"), ("Raj Patel", "Ch Supt")]
                )
                item.owner_department = rng.choice(["Intelligence", "Public protection", "Crime"])
                item.target_date = today() + dt.timedelta(days=rng.choice([-40, -5, 60, 120]))
            services.save_item(item, by=admin, reason="Demo data")
            item.themes.add(rng.choice(list(Theme.objects.all())))
            counts["created"] += 1

    # One closure proposal awaiting each chief of staff.
    for lead_name, force_slug in (("lead.sw", "avon-and-somerset"), ("lead.wm", "west-mercia")):
        lead = users[lead_name]
        candidate = (
            TrackedItem.objects.filter(force__slug=force_slug, status_id=Status.BEING_PROGRESSED)
            .exclude(proposals__isnull=False)
            .order_by("id")
            .first()
        )
        already = ClosureProposal.objects.filter(item__force__slug=force_slug).exists()
        if candidate and not already:
            services.closure_propose(
                item=candidate,
                by=lead,
                verified_by="insight",
                reason="I consider that the force has met the requirement of this "
                "recommendation and it should be marked as closed.",
            )
    counts["created"] += _national_everywhere(national_rec5, users, sw_forces, wm_forces)
    _pcc_responses(admin)
    counts["created"] += _pcc_office(users)
    counts["created"] += load_engage(users)  # West Midlands in Engage (devdata/demo_engage.py)
    counts["created"] += load_national(users)  # national bodies (devdata/demo_national.py)
    return counts


def _national_everywhere(
    finding: Finding, users: dict[str, Any], sw_forces: list[str], wm_forces: list[str]
) -> int:
    """The national Recommendation 5 issued to every force (44), in mixed states, so its
    finding page (/findings/<id>/) and the report's matrix show the national picture:
    some complete, some stale, one closure proposal verified by reality testing."""
    rng = random.Random(2016)  # nosec B311  # repeatable demo data, not a secret
    admin = users["admin"]
    have = set(TrackedItem.objects.filter(finding=finding).values_list("force_id", flat=True))
    finals = [
        Status.BEING_PROGRESSED,
        Status.COMPLETE,
        Status.AWAITING_REVIEW,
        Status.BEING_PROGRESSED,
        Status.NO_FURTHER_ACTION,
        Status.COMPLETE,
    ]
    created = 0
    for index, force in enumerate(Force.objects.police().exclude(id__in=have).order_by("name")):
        lead = (
            users["lead.sw"]
            if force.slug in sw_forces
            else users["lead.wm"]
            if force.slug in wm_forces
            else None
        )
        item = services.item_create(finding=finding, force=force, by=admin, on=dt.date(2017, 3, 3))
        item.liaison_lead = lead
        final = finals[index % len(finals)]
        if final != Status.AWAITING_REVIEW:
            _timeline(item, rng, lead or admin, [20, 150, 60, 300][index % 4], final)
        services.save_item(item, by=admin, reason="Demo data")
        created += 1
    candidate = (
        TrackedItem.objects.filter(
            finding=finding, force__slug__in=sw_forces, status_id=Status.BEING_PROGRESSED
        )
        .exclude(force__slug__in=["gloucestershire", "devon-and-cornwall"])  # the samples
        .order_by("force__name")
        .first()
    )
    if candidate and not ClosureProposal.objects.filter(item__finding=finding).exists():
        services.closure_propose(
            item=candidate,
            by=users["lead.sw"],
            verified_by="reality-testing",
            reason="The regional unit now maps every organised crime group; we tested it "
            "with the force's analysts.",
        )
    return created


# The police and crime commissioners' responses: the two older force reports were
# answered; a recent Devon and Cornwall report's response is overdue (published 70 days
# before today, so due 14 days ago, whenever the demo is loaded).
RECEIVED_RESPONSES = [
    ("peel-effectiveness-2016-gloucestershire", "gloucestershire", dt.date(2017, 4, 25)),
    ("crime-data-integrity-2018-west-midlands", "west-midlands", dt.date(2018, 11, 12)),
]
OVERDUE_REPORT = (
    "peel-2025-devon-and-cornwall",
    "PEEL 2025: Police effectiveness, efficiency and legitimacy – Devon and Cornwall Police",
)
OVERDUE_FINDINGS = [
    "The force should improve how it identifies and supports vulnerable victims at the first "
    "point of contact.",
    "The force should make sure its investigations are supervised and that victims are kept "
    "informed of their progress.",
]


def _pcc_responses(admin: User) -> None:
    for slug, force_slug, received in RECEIVED_RESPONSES:
        report = InspectionReport.objects.get(slug=slug)
        force = Force.objects.get(slug=force_slug)
        items = TrackedItem.objects.filter(finding__report=report, force=force).order_by("id")
        if not items or PccResponse.objects.filter(report=report, force=force).exists():
            continue
        answers = ["accepted", "partly-accepted", "not-addressed"]
        response_record(
            report=report,
            force=force,
            by=admin,
            received=received,
            url=f"https://pcc.example.org/{force_slug}/responses/{slug}.pdf",
            answers={item.pk: answers[i % len(answers)] for i, item in enumerate(items)},
        )
    slug, title = OVERDUE_REPORT
    report, created = InspectionReport.objects.get_or_create(
        slug=slug,
        defaults={
            "title": title,
            "published": today() - dt.timedelta(days=70),
            "kind": InspectionReport.Kind.FORCE,
            "response_required": True,
        },
    )
    if created or not report.findings.exists():
        services.findings_issue(
            report=report,
            by=admin,
            forces=[Force.objects.get(slug="devon-and-cornwall")],
            findings=[
                services.FindingInput(kind=Finding.Kind.AREA_FOR_IMPROVEMENT, number=n, text=t)
                for n, t in enumerate(OVERDUE_FINDINGS, start=1)
            ],
        )


# The Gloucestershire PCC office (`pcc.glos`): a force report whose response is due in
# 21 days (published 35 days before today, whenever the demo is loaded; its first
# reminder comes 14 days before), and a thematic
# report's recommendation addressed to police and crime commissioners, tracked with the
# Gloucestershire PCC office as its recipient, with the office's progress update.
DUE_REPORT = (
    "peel-2025-gloucestershire",
    "PEEL 2025: Police effectiveness, efficiency and legitimacy – Gloucestershire Constabulary",
)
DUE_FINDINGS = [
    "The force should make sure that its control room assesses the risk to callers "
    "consistently, using a structured triage model.",
    "The force should improve how it records and reviews the use of stop and search.",
]
PCC_REPORT = (
    "anti-social-behaviour-2025",
    "Anti-social behaviour: how well the police and their partners tackle it (2025)",
)
PCC_FINDING = (
    "By 31 March 2026, police and crime commissioners should make sure that the services "
    "they commission for victims of anti-social behaviour are evaluated, and publish what "
    "they find."
)
PCC_UPDATE = (
    "The commissioner's office has commissioned an independent evaluation of the victim "
    "service; its terms of reference were agreed at the Police and Crime Panel."
)


def _pcc_office(users: dict[str, Any]) -> int:
    admin, lead, office = users["admin"], users["lead.sw"], users["pcc.glos"]
    slug, title = DUE_REPORT
    report, _ = InspectionReport.objects.get_or_create(
        slug=slug,
        defaults={
            "title": title,
            "published": today() - dt.timedelta(days=35),
            "kind": InspectionReport.Kind.FORCE,
            "response_required": True,
        },
    )
    created = 0
    if not report.findings.exists():
        created += len(
            services.findings_issue(
                report=report,
                by=admin,
                forces=[Force.objects.get(slug="gloucestershire")],
                findings=[
                    services.FindingInput(kind=Finding.Kind.AREA_FOR_IMPROVEMENT, number=n, text=t)
                    for n, t in enumerate(DUE_FINDINGS, start=1)
                ],
            )
        )
    slug, title = PCC_REPORT
    report, _ = InspectionReport.objects.get_or_create(
        slug=slug,
        defaults={
            "title": title,
            "published": today() - dt.timedelta(days=120),
            "kind": InspectionReport.Kind.THEMATIC,
        },
    )
    if not report.findings.exists():
        (item,) = services.findings_issue(
            report=report,
            by=admin,
            forces=[Force.objects.get(slug="gloucestershire-pcc")],
            findings=[
                services.FindingInput(kind=Finding.Kind.RECOMMENDATION, number=1, text=PCC_FINDING)
            ],
        )
        item.liaison_lead = lead
        services.save_item(item, by=admin, reason="Demo data")
        services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
        services.comment_add(item=item, by=office, text=PCC_UPDATE, action=Action.PROGRESS_UPDATE)
        created += 1
    return created
