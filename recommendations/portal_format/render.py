"""Writes a page in the monitoring-portal format; `parse(render(page))` gives it back."""

from __future__ import annotations

import datetime as dt

from .parse import Page

ADDRESS_BASE = "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation"
HEADINGS = {
    "cause-of-concern": "Recommendation",
    "recommendation": "Recommendation",
    "area-for-improvement": "Area for improvement",
}


def format_date(on: dt.date) -> str:
    day = on.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix} {on:%B} {on.year}"


def render(page: Page) -> str:
    parts: list[str] = []
    if page.force_slug:
        parts.append(
            f"{ADDRESS_BASE}/{page.force_slug}/" + (f"{page.portal_id}/" if page.portal_id else "")
        )
    if page.cause_of_concern:
        parts += ["Cause of concern", page.cause_of_concern]
    heading = HEADINGS[page.kind]
    parts += [f"{heading} {page.number}" if page.number else heading, page.text]
    timeline = []
    for entry in page.entries:
        if entry.kind == "status":
            timeline.append(f"[on]{format_date(entry.date)} [status]{entry.value}[/status][/on]")
        else:
            timeline.append(
                f"[on]{format_date(entry.date)} [comment]\n\n{entry.value}\n\n[/comment][/on]"
            )
    parts.append("".join(timeline))
    return "\n\n".join(parts) + "\n"
