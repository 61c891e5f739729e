"""Rows people recognise (issue 25): a row of the list, of a home page's tables and of
the public list carries the start of the recommendation's text, and the list's rows
carry the "Closure proposed" and "Review overdue: N days" tags the home pages show."""

import datetime as dt

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, make_item
from tracker.text import extract

pytestmark = pytest.mark.django_db
TEXT = (
    "The force should immediately review how it maps organised crime groups, "
    "so that • every group is mapped within 28 days; • the mapping is audited each "
    "quarter by the regional organised crime unit and the results reported to the board."
)


def test_an_extract_is_one_line_cut_at_a_word_with_an_ellipsis():
    assert extract("Short text.") == "Short text."
    assert extract("A  text\n\nwith • bullets • here") == "A text with; bullets; here"
    cut = extract(TEXT, limit=60)
    assert cut.endswith("…") and len(cut) <= 61 and "\n" not in cut
    assert TEXT.startswith(cut[:-1].rstrip())  # whole words only
    assert extract("") == ""


def test_the_list_row_shows_the_text_and_the_proposal_and_review_tags(client_as, people):
    lead = people["liaison-lead"]
    proposed = make_item(finding=FindingFactory(text=TEXT))
    progressed(proposed, lead)
    services.closure_propose(
        item=TrackedItem.objects.get(pk=proposed.pk),
        by=lead,
        reason="Mapped",
        verified_by="documents",
    )
    long_ago = dt.date.today() - dt.timedelta(days=75)
    waiting = make_item(finding=FindingFactory(text="Publish the plan."), on=long_ago)

    response = client_as("inspector").get(reverse("recommendations:list") + "?status=open")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.context["rows"]}
    assert rows[proposed.pk]["extract"] == extract(TEXT)
    assert rows[proposed.pk]["proposed"] is True
    assert rows[waiting.pk]["proposed"] is False
    assert rows[waiting.pk]["review_overdue"] == 75
    assert rows[proposed.pk]["review_overdue"] is None
    html = response.content.decode()
    assert extract(TEXT) in html
    assert "Closure proposed" in html
    assert "Review overdue: 75 days" in html


def test_the_home_page_and_the_public_list_show_the_text(client_as, people, client):
    make_item(finding=FindingFactory(text=TEXT))
    home = client_as("liaison-officer").get(reverse("recommendations:dashboard"))
    assert extract(TEXT) in home.content.decode()
    public = client.get(reverse("monitoring:index"))
    assert public.status_code == 200
    assert extract(TEXT) in public.content.decode()


def test_the_item_and_print_pages_show_closure_proposed_and_review_overdue(client_as, people):
    lead = people["liaison-lead"]
    proposed = make_item(finding=FindingFactory(text=TEXT))
    progressed(proposed, lead)
    services.closure_propose(
        item=TrackedItem.objects.get(pk=proposed.pk),
        by=lead,
        reason="Mapped",
        verified_by="documents",
    )
    waiting = make_item(on=dt.date.today() - dt.timedelta(days=40))
    client = client_as("inspector")
    for name in ("recommendations:item", "recommendations:item_print"):
        page = client.get(reverse(name, args=[proposed.pk])).content.decode()
        assert "Closure proposed" in page and "Review overdue" not in page
        page = client.get(reverse(name, args=[waiting.pk])).content.decode()
        assert "Review overdue: 40 days" in page and "Closure proposed<" not in page
