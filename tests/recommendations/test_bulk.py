"""Bulk actions: each item through the same service in its own transaction, so a refused
item never undoes the others; the choice offers only actions allowed on every item."""

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
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
