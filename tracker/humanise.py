"""Dates as people read them, in one place: ages in words ("3 months ago", with the
exact date in a <time> element), and the long date ("2 January 2025") every page, email
and message shows (the `long_date` and `long_datetime` filters of the templates)."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import dateformat, timezone, translation
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


def _local(value: dt.date | str) -> dt.date:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value


def long_date(value: dt.date | str | None) -> str:
    """ "2 January 2025": a date, a time's date in the portal's time zone, or an ISO date;
    empty for none."""
    if not value:  # None, "", or a template's undefined value
        return ""
    day = _local(value)
    return dateformat.format(day, "j F Y")  # the month in the active language ("2 Ionawr 2025")


def long_datetime(value: dt.datetime | None) -> str:
    """ "2 January 2025 at 14:05", in the portal's time zone; empty for none."""
    if not value:
        return ""
    when = _local(value)
    return f"{long_date(when)} at {when:%H:%M}"


def ago(day: dt.date | None, on: dt.date | None = None) -> Markup:
    """`<time datetime="2025-01-02" title="2 January 2025">3 months ago</time>`; empty for
    no date."""
    if day is None:
        return Markup("")
    return _ago(day, on or timezone.localdate(), translation.get_language())


@functools.lru_cache(maxsize=4096)
def _ago(day: dt.date, on: dt.date, language: str | None) -> Markup:
    """ago's markup, made once per date, day and language: a list of 50 rows asks it 50
    times, and Django's date formatting was a tenth of the list's time (issue 29)."""
    return Markup('<time datetime="{}" title="{}">{}</time>').format(  # noqa: S704
        day.isoformat(), long_date(day), escape(age_words(day, on))
    )
