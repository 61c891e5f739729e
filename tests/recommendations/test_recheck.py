"""The effectiveness re-check (issue 26): a closed item whose authorising chief of staff
set a re-check date is due a re-check once that date has come; it shows on the liaison
lead's and the inspector's home pages and in the list (`recheck=due`), and is recorded
as confirmed ("Record re-check": the date cleared, an internal comment, the history and
the security log) or, when the problem is still present, by reopening the item."""

import datetime as dt

import pytest
from django.urls import reverse

from recommendations import errors, policy, services
from recommendations.models import Status, TimelineEntry, TrackedItem
from tests.conftest import progressed
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = pytest.mark.django_db
HOW = "Reality tested in the 2027 inspection's fieldwork: custody audits are done."


def closed_item(people, *, recheck_on=None, force="gloucestershire", number=None):
    item = make_item(force=force, finding=FindingFactory(number=number) if number else None)
    lead = people["liaison-lead"]
    if force != "gloucestershire":  # no lead or chief of ours there: superseded instead
        services.no_further_action(item=item, by=people["admin"], reason="Superseded")
    else:
        progressed(item, lead)
        services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
        services.closure_authorise(item=item, by=people["chief-of-staff"])
    if recheck_on is not None:  # as the authorising chief of staff asked
        TrackedItem.objects.filter(pk=item.pk).update(recheck_on=recheck_on)
    return TrackedItem.objects.get(pk=item.pk)


def recheck_url(item):
    return reverse("recommendations:action", args=[item.pk, "recheck"])


def listed(client, query):
    response = client.get(reverse("recommendations:list") + "?" + query)
    assert response.status_code == 200
    return sorted(int(r["url"].rstrip("/").rsplit("/", 1)[-1]) for r in response.context["rows"])


def security_events(caplog, name):
    return [
        r.msg
        for r in caplog.records
        if r.name == "tracker.security" and isinstance(r.msg, dict) and r.msg["event"] == name
    ]


def test_the_lead_records_a_re_check_as_confirmed_through_its_page(
    client_as, people, today, caplog, django_capture_on_commit_callbacks
):
    item = closed_item(people, recheck_on=today)
    client = client_as("liaison-lead")
    page = client.get(recheck_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Record re-check" in html and "confirmed effective" in html
    # The other outcome is reopening: the page links to it.
    assert f'href="{reverse("recommendations:action", args=[item.pk, "reopen"])}"' in html
    entries = TimelineEntry.objects.filter(item=item).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(recheck_url(item), {"reason": HOW})
    assert response.status_code == 302
    item = TrackedItem.objects.get(pk=item.pk)
    assert item.recheck_on is None and item.status_id == Status.COMPLETE
    [entry] = TimelineEntry.objects.filter(item=item).order_by("-id")[:1]
    assert TimelineEntry.objects.filter(item=item).count() == entries + 1
    assert entry.visibility == TimelineEntry.Visibility.INTERNAL
    assert "the closure was confirmed effective" in entry.text and HOW in entry.text
    assert entry.author == people["liaison-lead"]
    assert "confirmed effective" in item.history.first().history_change_reason
    [logged] = security_events(caplog, "item-recheck-confirmed")
    assert logged["item"] == item.pk and logged["due"] == today.isoformat()
    # Done: it is no longer offered, and a second record is refused.
    again = client.post(recheck_url(item), {"reason": HOW})
    assert again.status_code == 409
    assert "no effectiveness re-check to record" in again.content.decode()


def test_the_inspector_records_one_for_any_force(client_as, people, today):
    item = closed_item(people, recheck_on=today, force="west-midlands")
    response = client_as("inspector").post(recheck_url(item), {"reason": HOW})
    assert response.status_code == 302
    assert TrackedItem.objects.get(pk=item.pk).recheck_on is None


def test_the_note_is_required_and_clean(client_as, people, today):
    item = closed_item(people, recheck_on=today)
    client = client_as("liaison-lead")
    empty = client.post(recheck_url(item), {"reason": "  "})
    assert empty.status_code == 400
    assert "Enter how the re-check confirmed the closure" in empty.content.decode()
    hostile = client.post(recheck_url(item), {"reason": "Fine\u202e\x07"})
    assert hostile.status_code == 400
    assert TrackedItem.objects.get(pk=item.pk).recheck_on == today


def test_it_is_offered_only_on_an_item_with_a_re_check_date(client_as, people, today):
    without = closed_item(people)
    client = client_as("liaison-lead")
    item_page = client.get(reverse("recommendations:item", args=[without.pk])).content.decode()
    assert recheck_url(without) not in item_page
    assert client.get(recheck_url(without)).status_code == 409
    with pytest.raises(errors.NoRecheck):
        services.recheck_confirm(item=without, by=people["liaison-lead"], note=HOW)
    due = closed_item(people, recheck_on=today + dt.timedelta(days=30), number=7)
    item_page = client.get(reverse("recommendations:item", args=[due.pk])).content.decode()
    assert recheck_url(due) in item_page  # set, even if not yet due: it may be recorded early


def test_a_reopened_item_cannot_be_re_checked(people, today):
    item = closed_item(people, recheck_on=today)
    services.item_reopen(
        item=item, by=people["inspector"], reason="Still present", public_reason="Still present"
    )
    item = TrackedItem.objects.get(pk=item.pk)
    assert policy.refusal(people["liaison-lead"], "recheck", item) is errors.InvalidTransition


def test_the_policy_reaches_leads_inspectors_and_administrators_only(people, today):
    item = closed_item(people, recheck_on=today)
    answers = {role: policy.refusal(user, "recheck", item) for role, user in people.items()}
    assert answers == {
        "liaison-officer": errors.NotPermitted,
        "liaison-lead": None,
        "chief-of-staff": errors.NotPermitted,
        "inspector": None,
        "admin": None,
    }
    assert {role: policy.may_ever(user, "recheck") for role, user in people.items()} == {
        "liaison-officer": False,
        "liaison-lead": True,
        "chief-of-staff": False,
        "inspector": True,
        "admin": True,
    }


def test_due_re_checks_are_listed_and_on_the_lead_and_inspector_home_pages(
    client_as, people, today
):
    report = ReportFactory()
    due = closed_item(people, recheck_on=today)
    later = closed_item(people, recheck_on=today + dt.timedelta(days=10), number=2)
    closed_item(people, number=3)  # no re-check asked for
    make_item(finding=FindingFactory(report=report, number=4))  # open
    for role in ("liaison-lead", "inspector"):
        client = client_as(role)
        # Re-checks are of closed items: no status needs choosing.
        assert listed(client, "recheck=due") == [due.pk]
        assert listed(client, "recheck=set") == sorted([due.pk, later.pk])
        home = client.get("/").content.decode()
        assert "Effectiveness re-checks due (1)" in home
        assert f'href="/recommendations/{due.pk}/"' in home
        assert f'href="/recommendations/{later.pk}/"' not in home
        assert "?recheck=due" in home and "1 re-check due" in home


def test_a_bad_re_check_filter_value_is_a_message_not_an_error(client_as):
    response = client_as("inspector").get(reverse("recommendations:list") + "?recheck=soon")
    assert response.status_code == 200
    assert "Re-check must be due or set" in response.content.decode()
