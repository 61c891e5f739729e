"""The Welsh public site's edges (issue 30): the error pages on a Welsh address are
Welsh, the footer's links lead to a Welsh page or say honestly that they do not, the
accessibility and language statement says what is bilingual today, and the names the
filters offer as published (in English) are marked as English on a Welsh page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from tests.i18n import test_welsh_pages as welsh_pages
from tests.i18n.test_welsh_pages import NOT_ENGLISH, unmarked_words

# The Welsh pages' fixtures, used here by name.
marker_language = welsh_pages.marker_language
welsh_site = welsh_pages.welsh_site

pytestmark = pytest.mark.django_db

WELSH_404 = "Heb ddod o hyd i'r dudalen"


@pytest.mark.parametrize(
    "path",
    [
        "/cy/monitoring/no-such-page/",  # no address at all
        "/cy/monitoring/south-wales/999999/",  # an address, no such item
        "/cy/monitoring/no-such-force/",
    ],
)
def test_a_welsh_address_that_does_not_exist_is_a_welsh_page_not_found(path):
    response = Client().get(path)
    assert response.status_code == 404
    html = unescape(response.content.decode())
    assert '<html lang="cy"' in html
    assert f"<title>{WELSH_404} – Traciwr Argymhellion</title>" in html
    assert f'<h1 class="govuk-heading-l">{WELSH_404}</h1>' in html
    assert "Page not found" not in html and "Skip to main content" not in html
    assert 'href="/cy/monitoring/"' in html  # the way back is the Welsh public site


def test_the_welsh_page_not_found_has_no_english_outside_the_catalogue(marker_language):
    html = Client().get("/cy/monitoring/no-such-page/").content.decode()
    assert html.count("⟦") > 5
    assert not unmarked_words(html, NOT_ENGLISH)


def test_english_addresses_keep_their_english_page_not_found():
    for path in ("/monitoring/no-such-page/", "/monitoring/south-wales/999999/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        html = response.content.decode()
        assert '<html lang="en-GB"' in html
        assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
        assert "Heb ddod" not in html


@pytest.mark.parametrize(
    ("template", "english", "welsh"),
    [
        ("400.html", "There is a problem with what was sent", "Mae problem gyda"),
        ("403.html", "You cannot do this", "Ni allwch wneud hyn"),
        ("500.html", "Sorry, there is a problem with the service", "Mae'n ddrwg gennym"),
    ],
)
def test_the_other_error_pages_are_welsh_in_welsh(template, english, welsh):
    """400 and 500 render without a request (so directly here); 403 in Welsh uses the
    same plain layout."""
    with translation.override("cy"):
        cymraeg = unescape(render_to_string(template))
    with translation.override("en-gb"):
        saesneg = render_to_string(template) if template != "403.html" else ""
    assert '<html lang="cy"' in cymraeg and welsh in cymraeg and english not in cymraeg
    assert "Neidio i'r prif gynnwys" in cymraeg  # GOV.UK's skip link, in Welsh too
    if saesneg:
        assert '<html lang="en-GB"' in saesneg and english in saesneg


def test_each_footer_link_on_a_welsh_page_is_welsh_or_says_it_is_not(welsh_site):
    html = Client().get("/cy/monitoring/").content.decode()
    footer = html[html.index("<footer") :]
    links = re.findall(r"<a ([^>]*)>", footer)
    internal = [a for a in links if re.search(r'href="/', a)]
    assert len(internal) >= 2
    for attributes in internal:
        href = re.search(r'href="([^"]*)"', attributes)[1]
        hreflang = re.search(r'hreflang="([^"]*)"', attributes)
        target = Client().get(href)
        assert target.status_code == 200, href
        if hreflang:  # the link says which language the page is in: it must be so
            assert target.content.decode().find(f'<html lang="{hreflang[1]}"') != -1, href
        else:  # otherwise it is the Welsh twin of a public address
            assert href.startswith("/cy/"), href
    # The statement is English this round, and the link's (Welsh) words say so.
    assert '<a class="govuk-footer__link" href="/accessibility/" hreflang="en-GB">' in footer
    assert "Datganiad hygyrchedd (Saesneg)" in footer


def test_the_statement_says_what_is_bilingual_today():
    html = Client().get("/accessibility/").content.decode()
    text = re.sub(r"\s+", " ", unescape(html))
    assert "The public monitoring site is in English and in Welsh (Cymraeg)" in text
    assert 'href="/cy/monitoring/" hreflang="cy" lang="cy"' in text
    assert 'The error pages ("Page not found" and the others) are in Welsh' in text
    assert "Correspondence is in each person's language" in text
    assert "The pages for signed-in users are in English only this round" in text
    assert "in English only for now" not in text  # the old, wrong claim


def _options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, select_id
    return re.findall(r"<option[^>]*>", select[1])


def test_the_filters_names_as_published_are_marked_english_on_a_welsh_page(welsh_site):
    cymraeg = Client().get("/cy/monitoring/", {"force": "south-wales"}).content.decode()
    english = Client().get("/monitoring/").content.decode()
    for select_id in ("id_force", "id_report"):
        options = _options(cymraeg, select_id)
        empty, named = options[0], options[1:]
        assert 'value=""' in empty and "lang=" not in empty  # "Unrhyw heddlu" is Welsh
        assert named and all('lang="en"' in o for o in named), select_id
        assert not any("lang=" in o for o in _options(english, select_id))
    chosen = [o for o in _options(cymraeg, "id_force") if 'value="south-wales"' in o]
    assert chosen and "selected" in chosen[0]
    # The regions are translated, so they are not marked.
    assert not any("lang=" in o for o in _options(cymraeg, "id_region"))


def test_a_welsh_list_shows_no_name_unmarked(welsh_site, marker_language):
    """Without the records' names allowed, the only words left outside the catalogue's
    markers and the lang="en" marks are the texts' own (the Welsh ones, and the words of
    the untranslated finding, shown inside lang="en" with its note)."""
    html = Client().get("/cy/monitoring/").content.decode()
    texts = {"Testun", "vrlq", "zptk", "mnbw", "Pryder", "qzxv", "gwsp", "Sylw", "pxlq"}
    assert not unmarked_words(html, NOT_ENGLISH | texts)
