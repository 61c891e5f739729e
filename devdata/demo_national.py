"""Demo data for the recipients beyond the police forces (issue 28): a national thematic
report whose recommendations go to the College of Policing and the National Police
Chiefs' Council (one to both, one to "the NPCC lead for ..."), tracked with dated
timelines; and the national people who work on them: `officer.college` (the College of
Policing's liaison officer), `lead.national` (the inspectorate's liaison lead for the
College and the NPCC) and `chief.national` (chief of staff of the National region, who
decides the national bodies' closures). Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from devdata.people import people_made
from forces.models import Force
from recommendations import services
from recommendations.models import Finding, InspectionReport, Status, TimelineEntry, TrackedItem
from recommendations.policy import Action
from recommendations.selectors import today

USERS = [
    # username, role, recipients, region, full name
    ("officer.college", "liaison-officer", ["college-of-policing"], None, "Sam Okafor"),
    ("lead.national", "liaison-lead", ["college-of-policing", "npcc"], None, "Ruth Ellison"),
    ("chief.national", "chief-of-staff", [], "national", "Imran Qureshi"),
]

REPORT = (
    "serious-youth-violence-2025",
    "An inspection of how well the police tackle serious youth violence",
)
# (number, recipients, text)
FINDINGS = [
    (
        1,
        ["college-of-policing", "npcc"],
        "By 31 March 2026, the College of Policing and the National Police Chiefs' Council "
        "should jointly publish guidance for forces on identifying children at risk of "
        "criminal exploitation, and on working with partners to divert them from violence.",
    ),
    (
        2,
        ["npcc"],
        "By 30 June 2026, the NPCC lead for serious violence should establish a national "
        "approach to sharing intelligence about knife crime between forces and violence "
        "reduction units.",
    ),
    (
        3,
        ["college-of-policing"],
        "By 30 September 2026, the College of Policing should include serious youth "
        "violence in its initial learning programmes for new officers and investigators.",
    ),
]
# The College's and the lead's dated entries on each copy: (days after publication,
# the author's username, text, visibility); status changes are the lead's.
COLLEGE_UPDATES = [
    (
        40,
        "lead.national",
        "The College has named a programme lead and agreed a plan with the NPCC.",
        "public",
    ),
    (
        120,
        "officer.college",
        "A draft of the guidance has been shared with a reference group of ten forces.",
        "public",
    ),
    (
        200,
        "lead.national",
        "Chased the programme lead for the consultation timetable.",
        "internal",
    ),
]
NPCC_UPDATES = [
    (
        55,
        "lead.national",
        "The NPCC lead for serious violence has accepted the recommendation.",
        "public",
    ),
    (
        150,
        "lead.national",
        "A working group with three violence reduction units meets monthly.",
        "public",
    ),
]


def _users() -> dict[str, Any]:  # the people, by username
    return people_made(USERS)


def _timeline(
    item: TrackedItem, users: dict[str, Any], updates: list[tuple[int, str, str, str]]
) -> None:
    """Being progressed from a week after publication, then the dated updates."""
    published = item.finding.report.published
    lead = users["lead.national"]
    services.append_entry(
        item,
        kind=TimelineEntry.Kind.STATUS,
        on=published + dt.timedelta(days=7),
        by=lead,
        status=Status.BEING_PROGRESSED,
    )
    for days, author, text, visibility in updates:
        services.append_entry(
            item,
            kind=TimelineEntry.Kind.COMMENT,
            on=min(published + dt.timedelta(days=days), today()),
            by=users[author],
            text=text,
            event=(
                TimelineEntry.Event.PROGRESS_UPDATE
                if author.startswith("officer.")
                else TimelineEntry.Event.COMMENT
            ),
            visibility="internal" if author.startswith("officer.") else visibility,
        )


def load_national(users: dict[str, Any]) -> int:
    """The national report, its copies and their timelines; the number of new items."""
    users = {**users, **_users()}
    admin, lead = users["admin"], users["lead.national"]
    slug, title = REPORT
    report, _ = InspectionReport.objects.get_or_create(
        slug=slug,
        defaults={
            "title": title,
            "published": today() - dt.timedelta(days=260),
            "kind": InspectionReport.Kind.THEMATIC,
        },
    )
    if report.findings.exists():
        return 0
    created: list[TrackedItem] = []
    for number, recipients, text in FINDINGS:
        created += services.findings_issue(
            report=report,
            by=admin,
            forces=list(Force.objects.filter(slug__in=recipients)),
            findings=[
                services.FindingInput(kind=Finding.Kind.RECOMMENDATION, number=number, text=text)
            ],
        )
    for item in created:
        item.liaison_lead = lead
        is_npcc = item.force.slug == "npcc"
        _timeline(item, users, NPCC_UPDATES if is_npcc else COLLEGE_UPDATES)
        services.save_item(item, by=admin, reason="Demo data")
    college = [i for i in created if i.force.slug == "college-of-policing"]
    # The College's officer names the owner and target date of the joint guidance, and
    # the lead proposes closing the learning programmes one: it awaits chief.national.
    joint = TrackedItem.objects.get(pk=college[0].pk)
    services.owner_set(
        item=joint,
        by=users["officer.college"],
        version=joint.version,
        owner_name="Dr Helen Marsh",
        owner_rank="",
        owner_department="Crime and Criminal Justice",
        target_date=today() + dt.timedelta(days=90),
    )
    services.comment_add(
        item=TrackedItem.objects.get(pk=joint.pk),
        by=users["officer.college"],
        text="The consultation on the draft guidance closes next month.",
        action=Action.PROGRESS_UPDATE,
    )
    services.closure_propose(
        item=TrackedItem.objects.get(pk=college[1].pk),
        by=lead,
        verified_by="documents",
        reason="The College has added serious youth violence to the initial learning "
        "curriculum; I have seen the published programme.",
    )
    return len(created)
