"""Parses monitoring-portal recommendation pages (see docs/portal-format.md).

Plain Python, no Django: text in, dataclasses out. Every problem is collected with its
line number, so a caller can report them all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

KNOWN_STATUSES = frozenset(
    {"awaiting-review", "being-progressed", "complete", "no-further-action-needed"}
)
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
ADDRESS = re.compile(r"https?://\S*?/recommendation/([a-z0-9-]+)/(?:(\d+)/?)?(?:\s|$)")
HEADING = re.compile(
    r"^(?:(?P<coc>Causes? of concern)|(?P<rec>Recommendations?)|(?P<afi>Areas? for improvement))"
    r"(?: (?P<number>\d+))?$",
    re.IGNORECASE,
)
DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th) ([A-Za-z]+) (\d{4})$")
TAG = re.compile(r"\[(/?)(on|status|comment)\]")


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str  # "status" or "comment"
    value: str  # the status slug, or the comment's text
    line: int


@dataclass
class Page:
    kind: str  # cause-of-concern, recommendation, area-for-improvement
    number: int | None
    cause_of_concern: str
    text: str
    entries: list[Entry]
    force_slug: str | None = None
    portal_id: int | None = None
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class PageError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))


def _paragraphs(lines: Iterable[str]) -> str:
    """Join lines into paragraphs separated by one blank line, trimming blank ends."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\n".join(p) for p in paragraphs if p)


def parse_date(text: str) -> dt.date | None:
    match = DATE.match(text.strip())
    if not match:
        return None
    day, month_name, year = match.groups()
    month = MONTHS.get(month_name.capitalize())
    if month is None:
        return None
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


class _Lines:
    """Maps an offset in the text to its 1-based line number."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, offset)


def parse(text: str, *, statuses: frozenset[str] = KNOWN_STATUSES) -> Page:
    """Parse one page. Raises PageError listing every problem found."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    line_of = _Lines(text)
    problems: list[Problem] = []
    timeline_start = text.find("[on]")
    header = text if timeline_start < 0 else text[:timeline_start]
    page = _parse_header(header, problems)
    if timeline_start < 0:
        problems.append(Problem(line_of(len(text)), "no timeline: expected an [on] entry"))
    else:
        _parse_timeline(text, timeline_start, line_of, statuses, page, problems)
    if problems:
        raise PageError(sorted(problems, key=lambda p: p.line))
    return page


def _parse_header(header: str, problems: list[Problem]) -> Page:
    force_slug = portal_id = None
    sections: dict[str, list[str]] = {}
    current: str | None = None
    number: int | None = None
    kind_heading: str | None = None
    heading_line = 1
    for lineno, line in enumerate(header.split("\n"), start=1):
        address = ADDRESS.search(line + " ")
        if address and current is None:
            force_slug = address.group(1)
            portal_id = int(address.group(2)) if address.group(2) else None
            continue
        heading = HEADING.match(line.strip())
        if heading:
            current = "coc" if heading.group("coc") else "main"
            if current == "main":
                kind_heading = "rec" if heading.group("rec") else "afi"
                number = int(heading.group("number")) if heading.group("number") else None
                heading_line = lineno
            sections.setdefault(current, [])
            continue
        if current is not None:
            sections[current].append(line)
    cause = _paragraphs(sections.get("coc", []))
    main = _paragraphs(sections.get("main", []))
    if not main:
        problems.append(
            Problem(
                heading_line,
                "no recommendation text: expected a "
                "'Recommendation' or 'Area for improvement' heading and its text",
            )
        )
    if kind_heading == "afi":
        kind = "area-for-improvement"
    elif cause and number is None:
        kind = "cause-of-concern"
    else:
        kind = "recommendation"
    return Page(
        kind=kind,
        number=number,
        cause_of_concern=cause,
        text=main,
        entries=[],
        force_slug=force_slug,
        portal_id=portal_id,
    )


def _parse_timeline(
    text: str,
    pos: int,
    line_of: _Lines,
    statuses: frozenset[str],
    page: Page,
    problems: list[Problem],
) -> None:
    length = len(text)

    def skip_to_next_entry(start: int) -> int:
        nxt = text.find("[on]", start)
        return length if nxt < 0 else nxt

    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            return
        line = line_of(pos)
        if not text.startswith("[on]", pos):
            problems.append(
                Problem(line, f"unexpected text {text[pos : pos + 20]!r}: expected [on]")
            )
            pos = skip_to_next_entry(pos)
            continue
        body_start = pos + len("[on]")
        tag = TAG.search(text, body_start)
        if tag is None or tag.group(0) not in ("[status]", "[comment]"):
            found = tag.group(0) if tag else "the end of the file"
            problems.append(
                Problem(
                    line,
                    f"mismatched tag: expected [status] or [comment] after the date, found {found}",
                )
            )
            pos = skip_to_next_entry(body_start)
            continue
        raw_date = text[body_start : tag.start()]
        on = parse_date(raw_date)
        if on is None:
            problems.append(
                Problem(
                    line,
                    f"unparseable date {raw_date.strip()!r}: expected a date like '3rd March 2017'",
                )
            )
        kind = tag.group(2)
        close = f"[/{kind}]"
        value_start = tag.end()
        next_tag = TAG.search(text, value_start)
        if next_tag is None:
            if kind == "comment":
                value = text[value_start:].strip()
                page.warnings.append(
                    (
                        line,
                        "the last comment has no [/comment][/on]: the page "
                        "was cut short; the comment was kept as it is",
                    )
                )
                if on and value:
                    page.entries.append(Entry(on, "comment", value, line))
                elif not value:
                    problems.append(Problem(line, "empty comment"))
                return
            problems.append(Problem(line, f"{kind} entry never closed: expected {close}"))
            return
        if next_tag.group(0) == "[on]":
            problems.append(
                Problem(
                    line,
                    f"entry left open: {close}[/on] missing before the "
                    f"next entry on line {line_of(next_tag.start())}",
                )
            )
            pos = next_tag.start()
            continue
        if next_tag.group(0) != close:
            problems.append(
                Problem(
                    line_of(next_tag.start()),
                    f"mismatched tag: expected {close}, found {next_tag.group(0)}",
                )
            )
            pos = skip_to_next_entry(next_tag.end())
            continue
        value = text[value_start : next_tag.start()].strip()
        after = next_tag.end()
        if not text.startswith("[/on]", after):
            found_tag = TAG.search(text, after)
            problems.append(
                Problem(
                    line_of(after),
                    "mismatched tag: expected [/on], found "
                    + (found_tag.group(0) if found_tag else "the end of the file"),
                )
            )
            pos = skip_to_next_entry(after)
            continue
        pos = after + len("[/on]")
        if kind == "status" and value not in statuses:
            problems.append(
                Problem(
                    line,
                    f"unknown status {value!r}: expected one of " + ", ".join(sorted(statuses)),
                )
            )
            continue
        if kind == "comment" and not value:
            problems.append(Problem(line, "empty comment"))
            continue
        if on is not None:
            if page.entries and on < page.entries[-1].date:
                problems.append(
                    Problem(
                        line,
                        f"date {raw_date.strip()!r} is before the "
                        "entry above it: entries must be in date order",
                    )
                )
                continue
            page.entries.append(Entry(on, kind, value, line))
