"""Issue 19: reassigning the liaison lead of a force's open items at once, and the
print views of an item and of a report's items."""

import re

import pytest
from django.urls import reverse

from forces.models import Force
from recommendations import errors, services
from recommendations.models import TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_lead(make_user):
    return make_user("liaison-lead", "new.lead", force_slugs=["gloucestershire"])


def test_force_lead_assign_changes_every_open_item_with_history_and_one_audit_event(
    people, new_lead, caplog, django_capture_on_commit_callbacks
):
    glos = Force.objects.get(slug="gloucestershire")
    a, b = make_item(force="gloucestershire"), make_item(force="gloucestershire")
    closed = make_item(force="gloucestershire")
    services.no_further_action(item=closed, by=people["liaison-lead"], reason="Superseded")
    other = make_item(force="devon-and-cornwall")
    history = {i.pk: i.history.count() for i in (a, b, closed, other)}
    with (
        caplog.at_level("INFO", logger="tracker.security"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        changed = services.force_lead_assign(force=glos, by=people["chief-of-staff"], lead=new_lead)
    assert sorted(changed) == sorted([a.pk, b.pk])
    for i in (a, b):
        fresh = TrackedItem.objects.get(pk=i.pk)
        assert fresh.liaison_lead_id == new_lead.pk
        assert fresh.history.count() == history[i.pk] + 1
        assert fresh.history.first().history_user_id == people["chief-of-staff"].pk
    for i in (closed, other):
        assert TrackedItem.objects.get(pk=i.pk).liaison_lead_id is None
        assert i.history.count() == history[i.pk]
    events = [r.msg for r in caplog.records if r.name == "tracker.security"]
    assert [(e["event"], e["force"], e["items"]) for e in events] == [
        ("force-liaison-lead-assigned", glos.pk, 2)
    ]
    # again: nothing to change, no history
    assert services.force_lead_assign(force=glos, by=people["admin"], lead=new_lead) == []
    assert TrackedItem.objects.get(pk=a.pk).history.count() == history[a.pk] + 1


def test_force_lead_must_act_for_the_force(people, make_user):
    wm_lead = make_user("liaison-lead", "wm.lead", force_slugs=["west-midlands"])
    make_item(force="gloucestershire")
    glos = Force.objects.get(slug="gloucestershire")
    with pytest.raises(errors.NotALead) as raised:
        services.force_lead_assign(force=glos, by=people["admin"], lead=wm_lead)
    assert raised.value.field == "lead" and "Gloucestershire" in raised.value.message


def test_a_chief_of_staff_may_not_reassign_outside_their_region(people):
    wm = Force.objects.get(slug="west-midlands")
    with pytest.raises(errors.NotPermitted):
        services.force_lead_assign(force=wm, by=people["chief-of-staff"], lead=None)


def test_force_lead_page_shows_current_leads_and_says_what_changed(client_as, people, new_lead):
    make_item(force="gloucestershire", lead=people["liaison-lead"])
    make_item(force="gloucestershire")
    client = client_as("chief-of-staff")
    url = reverse("recommendations:force_lead", args=["gloucestershire"])
    html = client.get(url).content.decode()
    assert "Reassign the liaison lead" in html and "Nobody" in html
    assert "liaison-lead, liaison lead, Gloucestershire Constabulary" in html
    done = client.post(url, {"lead": new_lead.pk, "confirm": "yes"}, follow=True).content.decode()
    assert "2 open items of Gloucestershire Constabulary now have new.lead as liaison lead" in done
    again = client.post(url, {"lead": new_lead.pk, "confirm": "yes"}, follow=True)
    again = again.content.decode()
    assert "Nothing changed" in again
    refused = client.post(url, {"lead": people["admin"].pk})
    assert refused.status_code == 400
    assert "Choose a liaison lead from the list" in refused.content.decode()


def test_the_dashboard_links_to_the_forces_a_chief_may_reassign(client_as):
    html = client_as("chief-of-staff").get(reverse("recommendations:dashboard")).content.decode()
    assert reverse("recommendations:force_lead", args=["gloucestershire"]) in html
    assert reverse("recommendations:force_lead", args=["west-midlands"]) not in html
    officer = client_as("liaison-officer").get(reverse("recommendations:dashboard"))
    assert "/liaison-lead/" not in officer.content.decode()


def test_item_print_view_has_the_texts_and_timeline_without_actions(client_as, people):
    item = make_item(force="gloucestershire")
    progressed(item, people["liaison-lead"])
    services.comment_add(item=item, by=people["liaison-lead"], text="Seen", visibility="public")
    html = client_as("inspector").get(reverse("recommendations:item_print", args=[item.pk]))
    html = html.content.decode()
    assert "Status changed from Awaiting review to Being progressed" in html
    assert "Seen" in html and "What you can do" not in html
    assert f'href="http://testserver/recommendations/{item.pk}/"' in html  # printed in full
    assert "app-no-print" in html


def test_report_print_lists_only_the_items_the_person_can_see(client_as):
    report = ReportFactory(slug="peel-2016")
    finding = FindingFactory(report=report, number=3)
    mine = make_item(force="gloucestershire", finding=finding)
    other = make_item(force="west-midlands", finding=finding)
    url = reverse("recommendations:report_print", args=["peel-2016"])
    officer = client_as("liaison-officer").get(url).content.decode()
    assert f'href="http://testserver/recommendations/{mine.pk}/"' in officer
    assert f"/recommendations/{other.pk}/" not in officer
    assert "West Midlands" not in officer
    everyone = client_as("inspector").get(url).content.decode()
    assert f"/recommendations/{other.pk}/" in everyone and "2 items you can see" in everyone


def test_report_print_query_count_does_not_grow(client_as, django_assert_max_num_queries):
    report = ReportFactory(slug="peel-2016")
    for n in range(6):
        make_item(force="gloucestershire", finding=FindingFactory(report=report, number=n + 1))
    client = client_as("inspector")
    client.get("/")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("recommendations:report_print", args=["peel-2016"]))
    assert response.status_code == 200 and "6 items you can see" in response.content.decode()


def test_nothing_is_preselected_and_nobody_is_a_choice_of_its_own(client_as, people):
    """The walk-through: the page preselected "Nobody", and one press removed the lead
    from every open item of the force."""
    item = make_item(force="gloucestershire", lead=people["liaison-lead"])
    client = client_as("chief-of-staff")
    url = reverse("recommendations:force_lead", args=["gloucestershire"])
    html = client.get(url).content.decode()
    first = re.search(r'<select[^>]*name="lead"[^>]*>\s*<option value="([^"]*)"', html)
    assert first and first.group(1) == ""  # "Choose a liaison lead", not Nobody
    options = html.split('name="lead"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)" selected', options) in ([], [""])
    pressed = client.post(url, {"lead": ""})
    assert pressed.status_code == 400
    assert "Choose a liaison lead, or Nobody" in pressed.content.decode()
    item.refresh_from_db()
    assert item.liaison_lead_id == people["liaison-lead"].pk


def test_a_check_page_says_how_many_items_change_before_anything_does(client_as, people):
    items = [make_item(force="gloucestershire", lead=people["liaison-lead"]) for _ in range(3)]
    client = client_as("chief-of-staff")
    url = reverse("recommendations:force_lead", args=["gloucestershire"])
    check = client.post(url, {"lead": "nobody"})
    html = check.content.decode()
    assert check.status_code == 200
    assert "3 open items of Gloucestershire Constabulary will have nobody as liaison lead" in html
    assert "nothing is published" in html
    for item in items:
        item.refresh_from_db()
        assert item.liaison_lead_id == people["liaison-lead"].pk
    done = client.post(url, {"lead": "nobody", "confirm": "yes"})
    assert done.status_code == 302
    assert not TrackedItem.objects.filter(pk__in=[i.pk for i in items], liaison_lead__isnull=False)
