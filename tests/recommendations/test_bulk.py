"""Bulk actions: each item through the same service in its own transaction, so a refused
item never undoes the others; the choice offers only actions allowed on every item."""

import re

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from recommendations.policy import Action
from tests.conftest import progressed
from tests.evidence.conftest import evidence_storage  # noqa: F401  # autouse: files stored per test
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db
BULK = "/bulk/"


def post(client, items, **data):
    return client.post(BULK, {"item": [i.pk for i in items], "next": "/recommendations/", **data})


def proposed_items(people, n, force="gloucestershire"):
    report = ReportFactory()
    lead = people["liaison-lead"]
    items = []
    for _ in range(n):
        item = progressed(make_item(force=force, finding=FindingFactory(report=report)), lead)
        services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
        items.append(TrackedItem.objects.get(pk=item.pk))
    return items


def test_authorising_50_where_some_are_refused_changes_exactly_the_others(client_as, people):
    items = proposed_items(people, 50)
    chief = client_as("chief-of-staff")
    data = {"action": "authorise-closure", "reason": "Evidence seen"}
    check = post(chief, items, step="check", **data)
    assert check.status_code == 200
    html = check.content.decode()
    assert "a refused item does not undo the others" in html
    assert html.count("Closure is authorised: the item becomes complete.") == 50
    # Meanwhile the proposer withdraws 12 of them: those must be refused at confirmation.
    withdrawn = items[::4][:12]
    for item in withdrawn:
        services.closure_withdraw(item=item, by=people["liaison-lead"], reason="Not yet")
    history_before = {i.pk: i.history.count() for i in items}
    confirm = post(chief, items, step="confirm", **data)
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("recommendations:bulk_result")
    withdrawn_ids = {i.pk for i in withdrawn}
    for item in TrackedItem.objects.filter(pk__in=[i.pk for i in items]):
        if item.pk in withdrawn_ids:
            assert item.status_id == Status.BEING_PROGRESSED
            assert item.history.count() == history_before[item.pk]
        else:
            assert item.status_id == Status.COMPLETE
            # its own audited decision: one item history row and one proposal history row
            assert item.history.count() == history_before[item.pk] + 1
            proposal = ClosureProposal.objects.get(item=item, state="authorised")
            assert proposal.decided_by == people["chief-of-staff"]
            assert proposal.history.filter(history_change_reason="Closure authorised").count() == 1
    assert TrackedItem.objects.filter(status_id=Status.COMPLETE).count() == 38
    result = chief.get(reverse("recommendations:bulk_result"))
    page = result.content.decode()
    assert "38 of 50 items done" in page
    assert page.count("This closure proposal has already been withdrawn.") == 12


def test_the_choice_offers_only_actions_allowed_on_every_item(client_as, people):
    lead = people["liaison-lead"]
    progressing = progressed(make_item(), lead)
    awaiting = make_item()
    response = post(client_as("liaison-lead"), [progressing, awaiting])
    assert response.status_code == 200
    offered = dict(response.context["allowed"])
    assert "comment" in offered
    assert "propose-closure" not in offered  # only one of the two is being progressed
    assert ("Propose closure with one reason", 1) in response.context["partly"]
    refused = post(client_as("liaison-lead"), [progressing, awaiting], action="propose-closure")
    assert refused.status_code == 400
    assert "You cannot do “Propose closure with one reason” to every selected item" in (
        refused.content.decode()
    )
    officer = post(client_as("liaison-officer"), [awaiting])
    assert dict(officer.context["allowed"]).keys() == {"owner"}


def test_outside_scope_is_not_found_and_empty_or_huge_selections_say_why(client_as):
    other = make_item(force="west-midlands")
    assert post(client_as("liaison-lead"), [other]).status_code == 404
    empty = client_as("liaison-lead").post(BULK, {"next": "/recommendations/"})
    assert empty.status_code == 400
    assert "Select at least one item" in empty.content.decode()
    huge = client_as("liaison-lead").post(BULK, {"item": [str(n) for n in range(1, 300)]})
    assert huge.status_code == 400
    assert "Select at most 200 items at once" in huge.content.decode()
    junk = client_as("liaison-lead").post(BULK, {"item": ["1x"]})
    assert junk.status_code == 400
    assert client_as("liaison-lead").get(BULK).status_code == 405


def test_select_all_on_the_page_works_without_javascript(client_as, people):
    items = [progressed(make_item(), people["liaison-lead"]) for _ in range(3)]
    response = client_as("liaison-lead").post(
        BULK,
        {"page_item": [i.pk for i in items], "all_on_page": "yes", "next": "/recommendations/"},
    )
    assert [i.pk for i in response.context["items"]] == [i.pk for i in items]


def test_bulk_comment_and_proposal_go_through_the_services(client_as, people):
    lead = people["liaison-lead"]
    items = [progressed(make_item(), lead) for _ in range(3)]
    client = client_as("liaison-lead")
    details = post(client, items, step="details", action="comment")
    assert 'name="visibility"' in details.content.decode()
    missing = post(client, items, step="check", action="comment", text="Chased")
    assert missing.status_code == 400
    assert "Choose whether the public will see this comment" in missing.content.decode()
    data = {"action": "comment", "text": "Chased the force", "visibility": "internal"}
    assert post(client, items, step="confirm", **data).status_code == 302
    assert TimelineEntry.objects.filter(text="Chased the force", visibility="internal").count() == 3
    data = {"action": "propose-closure", "reason": "All met", "verified_by": "fieldwork"}
    check = post(client, items, step="check", **data)
    assert "Inspection fieldwork" in check.content.decode()
    assert post(client, items, step="confirm", **data).status_code == 302
    assert ClosureProposal.objects.filter(state="open", verified_by="fieldwork").count() == 3


def test_bulk_owner_refuses_an_item_changed_since_the_check(client_as, people):
    items = [make_item() for _ in range(2)]
    client = client_as("liaison-officer")
    data = {"action": "owner", "owner_name": "Lee Smith", "owner_rank": "Supt"}
    check = post(client, items, step="check", **data)
    versions = [f"{i.pk}:{i.version}" for i in items]
    assert check.status_code == 200
    services.owner_set(
        item=items[0],
        by=people["liaison-officer"],
        version=items[0].version,
        owner_name="Someone else",
        owner_rank="",
        owner_department="",
        target_date=None,
    )
    assert post(client, items, step="confirm", version=versions, **data).status_code == 302
    first, second = (TrackedItem.objects.get(pk=i.pk) for i in items)
    assert first.owner_name == "Someone else"
    assert (second.owner_name, second.owner_rank) == ("Lee Smith", "Supt")
    page = client.get(reverse("recommendations:bulk_result")).content.decode()
    assert "This item changed since you opened it" in page


def test_the_result_page_without_a_result_goes_to_the_list(client_as):
    response = client_as("inspector").get(reverse("recommendations:bulk_result"))
    assert response.status_code == 302


def test_the_list_offers_checkboxes_to_people_with_a_bulk_action(client_as, people):
    item = make_item()
    lead_page = client_as("liaison-lead").get(reverse("recommendations:list")).content.decode()
    assert f'name="item" type="checkbox" value="{item.pk}" form="bulk"' in lead_page
    assert "Select all 1 item on this page" in lead_page
    # the bulk form is a macro: it must still carry the CSRF token
    form = lead_page[lead_page.index('<form id="bulk"') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    inspector_page = client_as("inspector").get(reverse("recommendations:list")).content.decode()
    assert 'form="bulk"' not in inspector_page


def test_the_chief_authorises_several_proposals_from_the_dashboard(client_as, people):
    items = proposed_items(people, 3)
    chief = client_as("chief-of-staff")
    home = chief.get(reverse("recommendations:dashboard")).content.decode()
    assert "Authorise the selected proposals" in home
    assert home.count('form="bulk"') == 3
    details = chief.post(
        BULK,
        {
            "page_item": [i.pk for i in items],
            "all_on_page": "yes",
            "step": "details",
            "action": "authorise-closure",
            "next": "/",
        },
    )
    assert details.status_code == 200
    assert "Authorise closure" in details.content.decode()
    assert post(chief, items, step="confirm", action="authorise-closure").status_code == 302
    assert TrackedItem.objects.filter(status_id=Status.COMPLETE).count() == 3


# The chief's check page, and the empty selection (issues 25 and 26) --------------------


def test_an_empty_selection_is_an_error_where_the_items_are_ticked(client_as, people):
    items = proposed_items(people, 2)
    chief = client_as("chief-of-staff")
    # The home page's "Authorise the selected proposals" with nothing ticked.
    answer = chief.post(
        BULK,
        {
            "page_item": [i.pk for i in items],
            "step": "details",
            "action": "authorise-closure",
            "next": "/",
        },
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "No items selected" not in page
    assert "govuk-error-summary" in page
    assert f'href="#select-item-{items[0].pk}">Select at least one item' in page
    for item in items:
        assert f'id="select-item-{item.pk}" name="item" type="checkbox" value="{item.pk}"' in page
    assert 'name="action" value="authorise-closure"' in page
    # Ticking one there goes on to the action's details, as from the home page.
    ticked = chief.post(
        BULK,
        {
            "item": [items[0].pk],
            "page_item": [i.pk for i in items],
            "step": "details",
            "action": "authorise-closure",
            "next": "/",
        },
    )
    assert ticked.status_code == 200
    assert [i.pk for i in ticked.context["items"]] == [items[0].pk]
    assert 'name="changes_read"' not in ticked.content.decode()  # asked on the check page


def check_page(chief, items, **data):
    return post(chief, items, step="check", action="authorise-closure", **data)


def test_the_check_page_shows_each_proposal_its_evidence_and_changes(client_as, people):
    from tests.evidence.conftest import PDF, upload  # the files

    items = proposed_items(people, 2)
    officer = client_as("liaison-officer")
    officer.post(
        reverse("recommendations:action", args=[items[0].pk, "progress-update"]),
        {"text": "Late audit", "marking": "OFFICIAL", "files": [upload("late.pdf", PDF)]},
    )
    page = check_page(client_as("chief-of-staff"), items).content.decode()
    assert page.count("Verified by: documents and evidence reviewed") == 2
    assert page.count('<p class="govuk-body app-timeline-text">Met</p>') == 2  # the reasons
    assert "Changed since proposed" in page
    assert "Progress update: “Late audit”" in page
    assert re.search(
        rf'href="/recommendations/{items[0].pk}/evidence/\d+/" download>late.pdf', page
    )
    assert page.count("No evidence files.") == 1
    assert 'name="changes_read"' in page


def test_the_check_page_reads_the_same_number_of_queries_for_more_proposals(client_as, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chief = client_as("chief-of-staff")
    few = proposed_items(people, 2)
    many = proposed_items(people, 12)
    for items in (few, many):
        services.comment_add(
            item=TrackedItem.objects.get(pk=items[0].pk),
            by=people["liaison-officer"],
            text="After",
            action=Action.PROGRESS_UPDATE,
        )
    check_page(chief, few)  # the session and the rest, warmed
    with CaptureQueriesContext(connection) as small:
        check_page(chief, few)
    with CaptureQueriesContext(connection) as large:
        check_page(chief, many)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_bulk_refuses_a_changed_proposal_without_reading_and_takes_it_with(client_as, people):
    items = proposed_items(people, 3)
    services.comment_add(
        item=TrackedItem.objects.get(pk=items[1].pk),
        by=people["liaison-officer"],
        text="Changed after the proposal",
        action=Action.PROGRESS_UPDATE,
    )
    chief = client_as("chief-of-staff")
    assert post(chief, items, step="confirm", action="authorise-closure").status_code == 302
    result = chief.get(reverse("recommendations:bulk_result")).content.decode()
    assert "tick “I have read the changes” to authorise it" in result
    assert ClosureProposal.objects.get(item=items[1]).state == "open"
    assert ClosureProposal.objects.filter(state="authorised").count() == 2
    again = post(chief, [items[1]], step="confirm", action="authorise-closure", changes_read="on")
    assert again.status_code == 302
    decided = ClosureProposal.objects.get(item=items[1])
    assert (decided.state, decided.changes_read) == ("authorised", True)
