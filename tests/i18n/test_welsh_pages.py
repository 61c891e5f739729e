"""The public site in Welsh (issue 30): /cy/monitoring/... beside /monitoring/..., every
string from the catalogue, Welsh content where there is some, English marked as English
where there is none.

The marker test compiles the catalogue with every Welsh string wrapped in ⟦ ⟧ and reads
the Welsh pages: any word left outside the markers that is not the records' own data
(names, titles, texts) or Django's Welsh dates is an English string no one translated."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, translation

from forces.models import Force, Region
from monitoring import urls as monitoring_urls
from monitoring.catalogue import LOCALE, read_po, write_mo
from recommendations import services
from recommendations.models import Finding, InspectionReport, TimelineEntry, TimelineEntryWelsh
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db

OPEN, CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that are neither English to translate nor data: the toggle's language names,
# the file formats' names.
NOT_ENGLISH = {"English", "Cymraeg", "CSV", "JSON"}
CHECKED_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


class _Text(HTMLParser):
    """A page's visible text and labelling attributes, leaving out <script>, <style>,
    and every element marked as another language than Welsh (lang="en...")."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skipped = tag in ("script", "style") or (a.get("lang") or "cy").lower().startswith("en")
        if not (skipped or self.skipping):
            self.parts += [a[name] or "" for name in CHECKED_ATTRIBUTES if a.get(name)]
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.stack) - 1, -1, -1):
            if self.stack[n][0] == tag:
                del self.stack[n:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def unmarked_words(html: str, allowed: set[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    while MARKED.search(text):  # innermost first: a translation may hold another
        text = MARKED.sub(" ", text)
    return {w for w in WORD.findall(text) if w not in allowed}


@pytest.fixture
def marker_language(tmp_path: Path, settings) -> None:
    """The Welsh catalogue with each translation wrapped in ⟦ ⟧ (untranslated ones stay
    empty, so they show their English, unmarked)."""
    header, messages = read_po(LOCALE / "cy" / "LC_MESSAGES" / "django.po")
    for m in messages:
        m.strings = [f"{OPEN}{s}{CLOSE}" if s else "" for s in m.strings]
    folder = tmp_path / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    write_mo(folder / "django.mo", header, messages)
    settings.LOCALE_PATHS = [tmp_path]


@pytest.fixture
def welsh_site(people, make_user):
    """A Welsh force's item with a Welsh finding and a public comment in both languages,
    one without Welsh, an English force's item, and a finding made to both forces."""
    lead = make_user(
        "liaison-lead", "lead-de-cymru", force_slugs=["south-wales", "gloucestershire"]
    )
    report = ReportFactory.create(title="Adroddiad PEEL XQZ", slug="adroddiad-peel-xqz")
    finding = FindingFactory.create(
        report=report,
        kind=Finding.Kind.CAUSE_OF_CONCERN,
        number=None,
        cause_of_concern="Qzxv gwsp kltr.",
        cause_of_concern_cy="Pryder qzxv gwsp.",
        text="Vrlq • zptk • mnbw.",
        text_cy="Testun vrlq • zptk • mnbw.",
    )
    welsh = make_item(force="south-wales", finding=finding, lead=lead)
    english = make_item(force="gloucestershire", finding=finding, lead=lead)
    untranslated = make_item(
        force="south-wales",
        finding=FindingFactory.create(report=report, text="Xkcd qwrt."),
        lead=lead,
    )
    for item in (welsh, english, untranslated):
        progressed(item, lead)
    services.comment_add(
        item=welsh, by=lead, text="Pxlq zz.", text_cy="Sylw pxlq.", visibility="public"
    )
    services.comment_add(item=untranslated, by=lead, text="Wqrtz zz.", visibility="public")
    return {"welsh": welsh, "english": english, "untranslated": untranslated, "lead": lead}


def _data_words() -> set[str]:
    """The records' own words: bodies', reports' and themes' names and the texts."""
    words: set[str] = set()
    for name in Force.objects.values_list("name", flat=True):
        words |= set(WORD.findall(name))
    for title in InspectionReport.objects.values_list("title", flat=True):
        words |= set(WORD.findall(title))
    for row in Finding.objects.values_list("text", "text_cy", "cause_of_concern_cy"):
        for text in row:
            words |= set(WORD.findall(text))
    for text in TimelineEntryWelsh.objects.values_list("text", flat=True):
        words |= set(WORD.findall(text))
    return words


def _welsh_date_words() -> set[str]:
    """Django's own Welsh month names (its catalogue, not ours)."""
    words: set[str] = set()
    with translation.override("cy"):
        for month in range(1, 13):
            day = dt.date(2025, month, 1)
            words |= set(WORD.findall(dateformat.format(day, "F M")))
    return words


def test_no_public_welsh_page_shows_an_untranslated_english_string(
    welsh_site, marker_language, monkeypatch
):
    monkeypatch.setattr("monitoring.views.PER_PAGE", 1)  # the pagination's words too
    allowed = NOT_ENGLISH | _data_words() | _welsh_date_words()
    welsh, english = welsh_site["welsh"], welsh_site["english"]
    pages = [
        "/cy/monitoring/",
        "/cy/monitoring/?page=2",
        "/cy/monitoring/?force=south-wales",  # a chosen filter's tag
        "/cy/monitoring/?status=lost",  # the error summary
        "/cy/monitoring/?q=zzzz-nothing",  # no results
        "/cy/monitoring/south-wales/",
        "/cy/monitoring/gloucestershire/",
        "/cy/monitoring/dyfed-powys/",  # nothing published
        f"/cy/monitoring/south-wales/{welsh.portal_id}/",
        f"/cy/monitoring/gloucestershire/{english.portal_id}/",
        f"/cy/monitoring/south-wales/{welsh_site['untranslated'].portal_id}/",
        f"/cy/monitoring/findings/{welsh.finding_id}/",
    ]
    # Every public page without parameters (a page added later among them), and every
    # page those pages link to.
    with translation.override("cy"):
        pages += [
            reverse(f"monitoring:{p.name}")
            for p in monitoring_urls.urlpatterns
            if p.name and not p.pattern.converters
        ]
    client = Client()
    found = {}
    seen = set()
    queue = list(pages)
    while queue:
        page = queue.pop(0)
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page)
        assert response.status_code in (200, 400), page
        if "html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        if page in pages:  # one level of links
            queue += [
                link
                for link in re.findall(r'href="(/cy/monitoring/[^"?#]*)"', html)
                if link.endswith("/")
            ]
        # The visitor's own words (a search, a value that names nothing) shown back.
        typed = {w for _name, v in parse_qsl(page.partition("?")[2]) for w in WORD.findall(v)}
        words = unmarked_words(html, allowed | typed)
        if words:
            found[page] = sorted(words)
    assert len(seen) > len(pages) // 2
    assert not found, f"English on Welsh pages, not from the catalogue: {found}"


def test_the_marker_test_finds_an_untranslated_string(welsh_site, marker_language):
    """The test above is not blind: an English word outside the markers is found."""
    html = Client().get("/cy/monitoring/").content.decode()
    assert not unmarked_words(html, NOT_ENGLISH | _data_words() | _welsh_date_words())
    planted = html.replace("</main>", "<p>Find recommendations</p></main>")
    assert unmarked_words(planted, NOT_ENGLISH | _data_words()) == {"Find", "recommendations"}


def test_every_public_address_has_its_welsh_twin(welsh_site):
    welsh = welsh_site["welsh"]
    client = Client()
    for path in (
        "/monitoring/",
        "/monitoring/south-wales/",
        f"/monitoring/south-wales/{welsh.portal_id}/",
        f"/monitoring/south-wales/{welsh.portal_id}/portal-page.txt",
        f"/monitoring/findings/{welsh.finding_id}/",
        "/monitoring/data.csv",
        "/monitoring/data.json",
        "/monitoring/sitemap.xml",
    ):
        english, cymraeg = client.get(path), client.get("/cy" + path)
        assert english.status_code == cymraeg.status_code == 200, path
    old = client.get(f"/cy/hmicfrs/recommendation/south-wales/{welsh.portal_id}/")
    assert old.status_code == 301
    assert old["Location"] == f"/cy/monitoring/south-wales/{welsh.portal_id}/"


def test_each_page_links_its_other_language_and_says_its_own(welsh_site):
    welsh = welsh_site["welsh"]
    path = f"/monitoring/south-wales/{welsh.portal_id}/"
    english = Client().get(path, {"x": "1"}).content.decode()
    cymraeg = Client().get("/cy" + path).content.decode()
    assert '<html lang="en-GB"' in english and '<html lang="cy"' in cymraeg
    # The toggle: the same page in the other language, the name in that language.
    assert f'href="/cy{path}?x=1" hreflang="cy" lang="cy" rel="alternate">Cymraeg</a>' in english
    assert f'href="{path}" hreflang="en-GB" lang="en-GB" rel="alternate">English</a>' in cymraeg
    for page in (english, cymraeg):
        assert f'<link rel="alternate" hreflang="cy" href="http://testserver/cy{path}' in page
        assert f'<link rel="alternate" hreflang="en-GB" href="http://testserver{path}' in page


def test_welsh_content_where_there_is_some_and_english_marked_where_not(welsh_site):
    welsh, untranslated = welsh_site["welsh"], welsh_site["untranslated"]
    page = Client().get(f"/cy/monitoring/south-wales/{welsh.portal_id}/").content.decode()
    assert "Testun vrlq" in page and "Pryder qzxv gwsp." in page and "Sylw pxlq." in page
    assert "Vrlq" not in page and "Pxlq zz." not in page and '<div lang="en">' not in page
    assert "Nid oes fersiwn Gymraeg" not in page
    assert '<h2 class="govuk-heading-m">Achos pryder</h2>' in page
    # The bodies' and reports' own (English) names are marked as English.
    assert '<span class="govuk-caption-l"><span lang="en">South Wales Police</span></span>' in page
    assert '<span lang="en">Adroddiad PEEL XQZ</span>' in page
    english = Client().get(f"/monitoring/south-wales/{welsh.portal_id}/").content.decode()
    assert "Pxlq zz." in english and "Sylw pxlq." not in english
    assert 'lang="en"' not in english
    lacking = Client().get(f"/cy/monitoring/south-wales/{untranslated.portal_id}/")
    text = lacking.content.decode()
    assert "Nid oes fersiwn Gymraeg o'r testun hwn eto" in text
    assert re.search(r'<div lang="en">\s*<p class="govuk-body">Xkcd qwrt.</p>', text)
    assert re.search(r'<div lang="en">\s*<p class="govuk-body">Wqrtz zz.</p>', text)


def test_welsh_dates_statuses_and_numbers(welsh_site):
    welsh = welsh_site["welsh"]
    page = Client().get(f"/cy/monitoring/south-wales/{welsh.portal_id}/").content.decode()
    with translation.override("cy"):
        published = dateformat.format(welsh.finding.report.published, "j F Y")
    assert published == "2 Mawrth 2017" and published in page
    assert "Yn cael ei ddatblygu" in page  # the status
    listing = Client().get("/cy/monitoring/", {"force": "south-wales"}).content.decode()
    assert "2 argymhelliad" in listing
    assert "Gogledd-ddwyrain Lloegr" in listing  # the regions in the filter
    english = Client().get(f"/monitoring/south-wales/{welsh.portal_id}/").content.decode()
    assert "2 March 2017" in english and "Being progressed" in english


def test_the_sitemap_names_both_languages(welsh_site):
    welsh = welsh_site["welsh"]
    sitemap = b"".join(Client().get("/monitoring/sitemap.xml").streaming_content).decode()
    path = f"/monitoring/south-wales/{welsh.portal_id}/"
    assert f"<loc>http://testserver{path}</loc>" in sitemap
    assert f"<loc>http://testserver/cy{path}</loc>" in sitemap
    alternates = (
        f'<xhtml:link rel="alternate" hreflang="en-GB" href="http://testserver{path}"/>'
        f'<xhtml:link rel="alternate" hreflang="cy" href="http://testserver/cy{path}"/>'
    )
    assert sitemap.count(alternates) == 2  # in both languages' <url>
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in sitemap


def test_open_data_carries_the_welsh(welsh_site):
    import csv
    import io
    import json

    welsh = welsh_site["welsh"]
    client = Client()
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    client.get("/monitoring/data.csv", {"force": "south-wales"}).streaming_content
                ).decode()
            )
        )
    )
    assert list(rows[0])[-5:] == [
        "text",
        "text_cy",
        "cause_of_concern",
        "cause_of_concern_cy",
        "public_updates_cy",
    ]
    row = next(r for r in rows if r["public_id"] == str(welsh.portal_id))
    assert row["text_cy"] == "Testun vrlq • zptk • mnbw."
    assert row["cause_of_concern_cy"] == "Pryder qzxv gwsp."
    assert row["public_updates_cy"].endswith(": Sylw pxlq.")
    assert row["reference"] == "Cause of concern"  # the data stays in its own words
    data = json.loads(
        b"".join(client.get("/cy/monitoring/data.json", {"force": "south-wales"}).streaming_content)
    )
    item = next(i for i in data["items"] if i["public_id"] == welsh.portal_id)
    assert item["text_cy"] == "Testun vrlq • zptk • mnbw."
    assert [u["text"] for u in item["public_updates_cy"]] == ["Sylw pxlq."]
    assert data["metadata"]["columns"][-1] == "public_updates_cy"


def test_the_portal_page_download_has_a_welsh_form(welsh_site):
    welsh = welsh_site["welsh"]
    path = f"/monitoring/south-wales/{welsh.portal_id}/portal-page.txt"
    english = Client().get(path)
    cymraeg = Client().get("/cy" + path)
    assert f"south-wales-{welsh.portal_id}-cy.txt" in cymraeg["Content-Disposition"]
    assert "Testun vrlq" in cymraeg.content.decode() and "Sylw pxlq." in cymraeg.content.decode()
    assert "Pryder qzxv gwsp." in cymraeg.content.decode()
    assert "Vrlq" in english.content.decode() and "Sylw" not in english.content.decode()


def test_a_public_comment_and_its_welsh_are_written_together(welsh_site):
    """The same transaction: a Welsh version that cannot be written (empty after the
    text rules) leaves no entry either."""
    from recommendations.errors import DomainError

    item, lead = welsh_site["welsh"], welsh_site["lead"]
    before = TimelineEntry.objects.filter(item=item).count()
    with pytest.raises(DomainError):
        services.comment_add(
            item=item, by=lead, text="Yn iawn.", text_cy="\x00", visibility="public"
        )
    assert TimelineEntry.objects.filter(item=item).count() == before
    entry = services.comment_add(
        item=item, by=lead, text="Fine.", text_cy="Iawn.", visibility="public"
    )
    assert entry.welsh.text == "Iawn." and entry.welsh.added_by == lead


def test_every_region_and_status_name_is_in_the_catalogue():
    from recommendations.models import Status

    with translation.override("cy"):
        for name in [
            *Region.objects.values_list("name", flat=True),
            *Status.objects.values_list("name", flat=True),
        ]:
            assert translation.gettext(name) != name, name
