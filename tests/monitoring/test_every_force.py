"""The public "This recommendation in every force" page (issue 25): one finding and each
force's public copy of it, with its status; only what the item pages publish; page not
found, and never stored, for a finding that is not public."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from recommendations import services
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


def page_keys() -> list[str]:
    stored = caches["public"]._cache  # type: ignore[attr-defined]  # LocMemCache's own dict: the stored keys
    return [k for k in stored if "monitoring:page:" in k]


@pytest.fixture
def national(people):
    """Recommendation 5 of a national report, tracked by three forces: Gloucestershire
    being progressed with a public and an internal comment, the other two awaiting
    review; and a finding of another report for Gloucestershire alone."""
    lead = people["liaison-lead"]
    finding = FindingFactory.create(
        number=5,
        cause_of_concern="Forces do not understand serious and organised crime.",
        text="Every force should:\n\n• map threats; • share intelligence.",
    )
    glos = make_item(force="gloucestershire", finding=finding, lead=lead)
    progressed(glos, lead)
    services.comment_add(item=glos, by=lead, text="Plan agreed PUBLIC-WORDS.", visibility="public")
    services.comment_add(item=glos, by=lead, text="Chase the DCI INTERNAL.", visibility="internal")
    dc = make_item(force="devon-and-cornwall", finding=finding)
    wmp = make_item(force="west-midlands", finding=finding)
    alone = make_item(force="gloucestershire")
    return {"finding": finding, "glos": glos, "dc": dc, "wmp": wmp, "alone": alone}


def every_force_url(finding_id: int) -> str:
    return reverse("monitoring:every_force", args=[finding_id])


def test_the_item_page_links_to_every_forces_copy(national):
    html = Client().get(f"/monitoring/gloucestershire/{national['glos'].portal_id}/")
    link = f'href="{every_force_url(national["finding"].pk)}">This recommendation in every force'
    assert link in html.content.decode()
    alone = Client().get(f"/monitoring/gloucestershire/{national['alone'].portal_id}/")
    assert "in every force" not in alone.content.decode()  # one force only: no such page


def test_every_force_lists_each_forces_public_copy_with_its_status(national):
    response = Client().get(every_force_url(national["finding"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Recommendation 5 in every force</h1>' in html
    assert "Forces do not understand serious and organised crime." in html
    assert "<li>map threats;</li>" in html
    rows = response.context["rows"]
    assert [(r["force"], r["status"]) for r in rows] == [
        ("Devon and Cornwall Police", "Awaiting review"),
        ("Gloucestershire Constabulary", "Being progressed"),
        ("West Midlands Police", "Awaiting review"),
    ]
    for key in ("dc", "glos", "wmp"):
        item = national[key]
        assert f'href="/monitoring/{item.force.slug}/{item.portal_id}/"' in html
    counts = re.sub(r"\s+", " ", html)
    assert "3 forces, by status" in counts
    assert "<li>Awaiting review: 2</li>" in counts and "<li>Being progressed: 1</li>" in counts
    assert f"/monitoring/gloucestershire/{national['alone'].portal_id}/" not in html


def test_every_force_shows_no_comment_and_nothing_internal(national, people):
    lead = people["liaison-lead"]
    lead.last_name = "AUTHOR-NAME"
    lead.save()
    html = Client().get(every_force_url(national["finding"].pk)).content.decode()
    assert "INTERNAL" not in html
    assert "AUTHOR-NAME" not in html
    assert "PUBLIC-WORDS" not in html  # comments are on each force's own page
    assert "Sign out" not in html and "/recommendations/" not in html


def test_unknown_or_unpublished_findings_are_not_found_and_never_stored(national, today):
    client = Client()
    unpublished = FindingFactory.create(report=ReportFactory(published=today + dt.timedelta(30)))
    make_item(force="gloucestershire", finding=unpublished, on=today)
    make_item(force="west-midlands", finding=unpublished, on=today)
    no_items = FindingFactory.create()
    before = set(page_keys())
    for finding_id in (unpublished.pk, no_items.pk, 999_999_999):
        assert client.get(every_force_url(finding_id)).status_code == 404
    assert client.get("/monitoring/findings/nope/").status_code == 404
    assert set(page_keys()) == before  # a 404 is never stored
    assert client.get(every_force_url(national["finding"].pk)).status_code == 200
    assert len(set(page_keys()) - before) == 1  # the real page is
    padded = f"/monitoring/findings/000{national['finding'].pk}/"
    assert client.get(padded).status_code == 200
    assert len(set(page_keys()) - before) == 1  # another spelling of it is not


def test_a_status_change_reaches_the_every_force_page(
    national, make_user, django_capture_on_commit_callbacks
):
    lead = make_user("liaison-lead", username="lead.wm", force_slugs=["west-midlands"])
    client = Client()
    address = every_force_url(national["finding"].pk)
    assert "Being progressed: 1" in client.get(address).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        progressed(national["wmp"], lead)
    html = re.sub(r"\s+", " ", client.get(address).content.decode())
    assert "<li>Being progressed: 2</li>" in html


def test_every_force_page_is_one_query(national, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = Client().get(every_force_url(national["finding"].pk))
    assert response.status_code == 200
