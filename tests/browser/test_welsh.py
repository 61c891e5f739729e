"""The Welsh public site in a real browser (issue 30): axe-core (WCAG 2.2 AA, the `lang`
rules among them) clean in English and in Welsh at 320 and 1280 CSS pixels, each page
saying its own language and marking the English it shows, and the toggle leading to the
same page in the other language. One browser page does it all."""

from __future__ import annotations

import pytest

from recommendations import services
from recommendations.models import Finding, Status
from tests.browser.conftest import run_axe
from tests.factories import FindingFactory, make_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def welsh_items(people):
    finding = FindingFactory(
        kind=Finding.Kind.CAUSE_OF_CONCERN,
        number=None,
        cause_of_concern="The force does not understand demand.",
        cause_of_concern_cy="Nid yw'r heddlu yn deall y galw.",
        text="The force should map demand.",
        text_cy="Dylai'r heddlu fapio'r galw.",
    )
    translated = make_item(force="south-wales", finding=finding)
    untranslated = make_item(force="gwent", finding=FindingFactory(text="Plan the rota."))
    services.status_change(item=untranslated, by=people["admin"], to=Status.BEING_PROGRESSED)
    services.comment_add(
        item=translated,
        by=people["admin"],
        text="Done.",
        text_cy="Wedi'i wneud.",
        visibility="public",
    )
    return {"translated": translated, "untranslated": untranslated}


def test_both_languages_are_accessible_and_say_their_language(open_as, welsh_items):
    translated, untranslated = welsh_items["translated"], welsh_items["untranslated"]
    session = open_as(None, bypass_csp=True)  # so axe itself can be injected
    page = session.page
    pages = [
        ("/monitoring/?force=south-wales", "en-GB"),
        ("/cy/monitoring/?force=south-wales", "cy"),
        (f"/cy/monitoring/south-wales/{translated.portal_id}/", "cy"),
        (f"/cy/monitoring/gwent/{untranslated.portal_id}/", "cy"),
        (f"/monitoring/gwent/{untranslated.portal_id}/", "en-GB"),
    ]
    failures = []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for url, lang in pages:
            page.goto(url)
            assert page.evaluate("document.documentElement.lang") == lang, url
            violations = run_axe(page)
            if violations:
                failures.append((width, url, violations))
            # Nothing scrolls sideways at 320 pixels.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
                width,
                url,
            )
    assert failures == []
    # The English a Welsh page shows is marked as English, after the note.
    page.goto(f"/cy/monitoring/gwent/{untranslated.portal_id}/")
    assert page.locator('[lang="en"]', has_text="Plan the rota.").count() == 1
    assert page.get_by_text("Nid oes fersiwn Gymraeg o'r testun hwn eto").count() >= 1
    # The toggle: the same page in the other language, and back.
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**/monitoring/gwent/{untranslated.portal_id}/")
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(f"**/cy/monitoring/gwent/{untranslated.portal_id}/")
    assert "Argymhelliad" in page.locator("h1").inner_text()
