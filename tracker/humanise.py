"""Ages in words people use ("3 months ago"), with the exact date in a <time> element."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from markupsafe import Markup, escape


def age_words(day: dt.date, on: dt.date | None = None) -> str:
    """How long ago a date was: "today", "yesterday", "5 days ago", "3 weeks ago",
    "3 months ago", "2 years ago". A date in the future says "in the future"."""
    days = ((on or timezone.localdate()) - day).days
    if days < 0:
        return "in the future"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months ago"
    return f"{days // 365} years ago"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def ago(day: dt.date | None, on: dt.date | None = None) -> Markup:
    """`<time datetime="2025-01-02" title="2 January 2025">3 months ago</time>`; empty for
    no date."""
    if day is None:
        return Markup("")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(  # noqa: S704
        day.isoformat(), long_date(day), escape(age_words(day, on))
    )
