"""The parser on its own: plain Python, no database."""

import datetime as dt

import pytest

from recommendations.portal_format.parse import Entry, Page, PageError, parse
from recommendations.portal_format.render import format_date, render
from tracker.text import split_bullets

HEAD = "Recommendation 3\n\nDo the thing.\n\n"


def problems(text):
    with pytest.raises(PageError) as info:
        parse(text)
    return [(p.line, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    "text,line,message",
    [
        (HEAD + "[on]3rd March 2017 [status]closed[/status][/on]", 5, "unknown status 'closed'"),
        (HEAD + "[on]3rd Marhc 2017 [status]complete[/status][/on]", 5, "unparseable date"),
        (HEAD + "[on]32nd March 2017 [status]complete[/status][/on]", 5, "unparseable date"),
        (HEAD + "[on]3rd March 2017 [status]complete[/comment][/on]", 5, "mismatched tag"),
        (HEAD + "[on]3rd March 2017 [comment]\n\ntext\n\n[/status][/on]", 9, "mismatched tag"),
        (
            HEAD + "[on]3rd March 2017 [comment]\n\nopen\n\n[on]4th March 2017 [status]complete"
            "[/status][/on]",
            5,
            "entry left open",
        ),
        (
            "Cause of concern\n\nIt is.\n\nRecommendation\n\n[on]3rd March 2017 [status]complete"
            "[/status][/on]",
            5,
            "no recommendation text",
        ),
        (HEAD + "[on]3rd March 2017 [status]complete[/status][/on] stray", 5, "unexpected text"),
        (
            HEAD + "[on]4th March 2017 [status]complete[/status][/on]\n[on]3rd March 2017 "
            "[comment]x[/comment][/on]",
            6,
            "before the entry above it",
        ),
    ],
)
def test_each_kind_of_problem_names_its_line(text, line, message):
    found = problems(text)
    assert any(n == line and message in m for n, m in found), found


def test_every_problem_is_reported_not_only_the_first():
    text = (
        HEAD + "[on]3rd Marhc 2017 [status]complete[/status][/on]\n"
        "[on]4th March 2017 [status]finished[/status][/on]"
    )
    assert len(problems(text)) == 2


def test_cut_short_last_comment_is_kept_with_a_warning():
    page = parse(HEAD + "[on]3rd March 2017 [comment]\n\nAuthorised for closure on the")
    assert page.entries[-1].value == "Authorised for closure on the"
    assert page.warnings and "cut short" in page.warnings[0][1]


def test_address_line_gives_force_and_portal_id():
    page = parse(
        "404 Page not found\n\nhttps://www.justiceinspectorates.gov.uk/hmicfrs/"
        "recommendation/gloucestershire/8786/\n\n"
        + HEAD
        + "[on]1st June 2018 [status]awaiting-review[/status][/on]"
    )
    assert (page.force_slug, page.portal_id, page.number) == ("gloucestershire", 8786, 3)


@pytest.mark.parametrize(
    "day,text",
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (31, "31st"),
    ],
)
def test_dates_have_ordinal_suffixes(day, text):
    assert format_date(dt.date(2018, 1, day)) == f"{text} January 2018"


def test_bullets_in_one_paragraph_are_separate_actions():
    lead, bullets = split_bullets("Take steps to:\n\n• a; • b; and • c.")
    assert (lead, bullets) == ("Take steps to:", ["a;", "b; and", "c."])


AWKWARD = [
    "Quotes “curly” and ‘single’ – dashes — & ampersands, HMIC’s <b>tags</b>",
    "Line one\nline two\n\nA second paragraph with [brackets] and a • bullet",
    "Ünïcödé names: Siân, Zoë, Łukasz; emoji 🚓; tabs\tinside",
    "A status-like word: [status] written in text is not a tag when escaped? no: avoided",
]


@pytest.mark.parametrize(
    "kind,number,cause",
    [
        ("recommendation", 5, "A cause."),
        ("cause-of-concern", None, "It is a cause of concern"),
        ("area-for-improvement", 2, ""),
        ("recommendation", None, ""),
    ],
)
def test_render_then_parse_gives_the_page_back(kind, number, cause):
    entries = [Entry(dt.date(2017, 3, 3), "status", "awaiting-review", 0)]
    entries += [Entry(dt.date(2018, 3, 27), "comment", text, 0) for text in AWKWARD[:3]]
    entries += [Entry(dt.date(2018, 3, 27), "status", "being-progressed", 0)]
    page = Page(
        kind=kind,
        number=number,
        cause_of_concern=cause,
        text="The force should • a • b",
        entries=entries,
        force_slug="devon-and-cornwall",
        portal_id=8767,
    )
    back = parse(render(page))
    assert (back.kind, back.number, back.cause_of_concern, back.text) == (
        kind,
        number,
        cause,
        page.text,
    )
    assert [(e.date, e.kind, e.value) for e in back.entries] == [
        (e.date, e.kind, e.value) for e in entries
    ]
    assert (back.force_slug, back.portal_id) == ("devon-and-cornwall", 8767)
