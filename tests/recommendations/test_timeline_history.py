"""Issue 19: a timeline people can read and the history as a plain-language change log
(with its CSV for audit)."""

import csv
import html as html_lib
import io
import re

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import Status, Theme, TrackedItem
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_timeline_labels_each_entry_by_what_it_is_with_who_in_role_words(client_as, people):
    lead = named(people["liaison-lead"], "Alex", "Smith")
    officer = named(people["liaison-officer"], "Pat", "Jones")
    chief = named(people["chief-of-staff"], "Sam", "Lee")
    item = make_item(force="gloucestershire")
    services.comment_add(item=item, by=officer, text="We did it", action="progress-update")
    progressed(item, lead)
    services.comment_add(item=item, by=lead, text="Looks good", visibility="public")
    services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    services.closure_return(item=TrackedItem.objects.get(pk=item.pk), by=chief, reason="More")
    html = client_as("inspector").get(reverse("recommendations:item", args=[item.pk]))
    html = html.content.decode()
    assert "Status changed from Awaiting review to Being progressed" in html
    for label in ("Progress update", "Comment", "Closure proposed", "Closure returned"):
        assert f">{label} <" in html or f">{label}<" in html, label
    assert "Alex Smith, liaison lead, Gloucestershire" in html
    assert "Pat Jones, liaison officer, Gloucestershire" in html
    assert "Sam Lee, chief of staff, South West" in html
    # newest first: the return is above the proposal, which is above the status change
    assert html.index("Closure returned") < html.index("Closure proposed")
    assert html.index("Closure proposed") < html.index("Status changed from")
    # who can see each entry
    assert 'govuk-tag--blue">\n  Public' in html or re.search(r"govuk-tag--blue\">\s*Public", html)
    assert re.search(r"govuk-tag--grey\">\s*Internal", html)


def test_imported_entries_say_so(client_as, people):
    item = make_item(force="gloucestershire")
    from recommendations.services import ImportedEntry

    services.timeline_import(
        item=item,
        by=people["admin"],
        entries=[
            ImportedEntry(line=1, date=item.last_entry_on, kind="comment", value="From the portal")
        ],
        source="page.txt",
    )
    html = client_as("inspector").get(reverse("recommendations:item", args=[item.pk]))
    assert "Imported from the portal" in html.content.decode()


@pytest.fixture
def busy_item(people):
    lead = named(people["liaison-lead"], "Alex", "Smith")
    chief = named(people["chief-of-staff"], "Sam", "Lee")
    officer = people["liaison-officer"]
    item = make_item(force="gloucestershire")
    item.themes.add(Theme.objects.create(name="Serious organised crime", slug="soc"))
    services.liaison_lead_assign(item=item, by=people["admin"], lead=lead)
    item = TrackedItem.objects.get(pk=item.pk)
    services.owner_set(
        item=item,
        by=officer,
        version=item.version,
        owner_name="Lee Smith",
        owner_rank="Supt",
        owner_department="",
        target_date=None,
    )
    progressed(item, lead)
    services.closure_propose(item=item, by=lead, reason="Met it", verified_by="documents")
    services.closure_authorise(item=TrackedItem.objects.get(pk=item.pk), by=chief, note="")
    return TrackedItem.objects.get(pk=item.pk)


def test_history_page_is_a_plain_language_change_log(client_as, busy_item):
    response = client_as("inspector").get(reverse("recommendations:history", args=[busy_item.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", main))
    for raw in (
        "{'",
        "None",
        "[{",
        "trackeditem",
        "owner_name",
        "liaison_lead",
        "being-progressed",
    ):
        assert raw not in text, raw
    assert "Themes" in text and "Serious organised crime" in text
    assert "Liaison lead" in text and "Alex Smith" in text
    assert "Owner's name" in text and "Lee Smith" in text
    assert "Status" in text and "Awaiting review" in text and "Being progressed" in text
    assert "not set" in text
    assert "Sam Lee" in text and "chief of staff, South West" in text
    # newest first, the proposal's decision above the proposal
    assert text.index("Closure authorised") < text.index("Closure proposed")
    assert text.index("Closure proposed") < text.index("Added to the tracker")


def test_history_csv_for_audit(client_as, busy_item):
    busy_item.owner_name = "=cmd()"
    response = client_as("inspector").get(
        reverse("recommendations:history_csv", args=[busy_item.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["when", "who", "role", "what", "field", "from", "to", "reason"]
    by_field = {r[4]: r for r in rows[1:] if r[4]}
    assert by_field["Liaison lead"][5:7] == ["not set", "Alex Smith"]
    assert by_field["Themes"][5:7] == ["none", "Serious organised crime"]
    assert by_field["Closure proposal"][6] == "Authorised"
    assert any(r[3] == "Closure proposed" and r[7] == "Met it" for r in rows)
    assert all("None" not in cell and "{'" not in cell for r in rows for cell in r)


def test_history_csv_neutralises_formulas(client_as, people):
    item = make_item(force="gloucestershire")
    services.owner_set(
        item=item,
        by=people["liaison-officer"],
        version=item.version,
        owner_name="=HYPERLINK(1)",
        owner_rank="",
        owner_department="",
        target_date=None,
    )
    body = client_as("inspector").get(reverse("recommendations:history_csv", args=[item.pk]))
    cells = [c for r in csv.reader(io.StringIO(body.content.decode())) for c in r]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells


def test_history_outside_scope_is_not_found(client_as):
    item = make_item(force="west-midlands")
    client = client_as("liaison-officer")
    assert client.get(reverse("recommendations:history_csv", args=[item.pk])).status_code == 404


def test_history_query_count_does_not_grow(client_as, people, django_assert_max_num_queries):
    item = make_item(force="gloucestershire")
    lead = people["liaison-lead"]
    for n in range(12):
        services.status_change(
            item=item,
            by=lead,
            to=Status.BEING_PROGRESSED if n % 2 == 0 else Status.AWAITING_REVIEW,
        )
    client = client_as("inspector")
    client.get("/")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("recommendations:history", args=[item.pk])).status_code == 200


def test_history_names_a_later_item_only_within_the_viewers_scope(client_as, people):
    item = make_item(force="gloucestershire")
    later = make_item(force="west-midlands")
    services.no_further_action(
        item=item, by=people["admin"], reason="Superseded", superseded_by=later.pk
    )
    label = f"{later.finding.reference}, {later.force.name}"
    officer = client_as("liaison-officer")  # Gloucestershire only
    for name in ("recommendations:history", "recommendations:history_csv"):
        body = officer.get(reverse(name, args=[item.pk])).content.decode()
        assert "an item you cannot see" in body, name
        assert label not in body and later.finding.reference not in body, name
        seen = client_as("inspector").get(reverse(name, args=[item.pk])).content.decode()
        assert label in seen and "an item you cannot see" not in seen, name
