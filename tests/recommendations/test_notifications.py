"""recommendations.notifications: who hears about what, by email, after a change commits.

Each notification is triggered through the service that sends it (comment_add,
closure_propose, closure_authorise, closure_return, closure_withdraw): the service
sends `item_changed` on commit (recommendations.signals), whose receiver queues the
Celery task, and the task calls the notification. Celery runs the tasks in-process
here (`eager`), so the emails land in Django's locmem outbox."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from forces.selectors import display_name
from recommendations import services
from recommendations.models import ClosureProposal, TrackedItem
from recommendations.policy import Action
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Celery runs each task in the test's own process when it is queued, and a failing
    task fails the test."""
    from tracker.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def committed(eager, django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed: its on-commit callbacks (queueing
    the notification tasks) run, and the tasks with them."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def lead(make_user):
    return make_user(
        "liaison-lead", "lead.glos", force_slugs=["gloucestershire"], full_name="Lee Lead"
    )


@pytest.fixture
def officer(make_user):
    return make_user(
        "liaison-officer",
        "officer.glos",
        force_slugs=["gloucestershire"],
        full_name="Olive Officer",
    )


@pytest.fixture
def glos_item(lead) -> TrackedItem:
    """A Gloucestershire item, being progressed by its liaison lead."""
    item = make_item(force="gloucestershire", lead=lead)
    return progressed(item, lead)


@pytest.fixture
def bystanders(people, make_user):
    """Everyone who should hear nothing of a Gloucestershire item's updates (besides the
    people fixture): leads and officers of other forces, another Gloucestershire lead,
    chiefs of staff of other regions."""
    return [
        make_user("liaison-lead", "lead.glos.2", force_slugs=["gloucestershire"]),
        make_user("liaison-lead", "lead.wm", force_slugs=["west-midlands"]),
        make_user("liaison-officer", "officer.wm", force_slugs=["west-midlands"]),
        make_user("chief-of-staff", "chief.wm", region_slug="west-midlands-region"),
        make_user("chief-of-staff", "chief.london", region_slug="london"),
    ]


def link(item: TrackedItem) -> str:
    return "http://127.0.0.1:8000" + reverse("recommendations:item", args=[item.pk])


def sent_to() -> list[list[str]]:
    return [m.to for m in mail.outbox]


def propose(committed, item, by, reason="The training plan was delivered to every team."):
    return committed(
        services.closure_propose, item=item, by=by, reason=reason, verified_by="documents"
    )


# A progress update or comment tells the item's liaison lead -----------------------------


def test_a_progress_update_tells_the_items_liaison_lead(
    committed, glos_item, lead, officer, people, bystanders, today
):
    entry = committed(
        services.comment_add,
        item=glos_item,
        by=officer,
        text="Training plan agreed with the chief constable.",
        action=Action.PROGRESS_UPDATE,
    )
    (message,) = mail.outbox  # the lead only: not the officer, chief, inspector, others
    assert message.to == ["lead.glos@example.org"]
    assert message.from_email == "recommendation-tracker@localhost"  # DEFAULT_FROM_EMAIL
    assert message.subject == f"New update on {glos_item}"
    reference = glos_item.finding.reference
    assert message.subject == f"New update on Gloucestershire Constabulary – {reference}"
    day = f"{today.day} {today:%B %Y}"
    assert message.body == (
        f"Olive Officer added an update on {day}:\n\n"
        "Training plan agreed with the chief constable.\n\n"
        f"{link(glos_item)}\n"
    )
    assert entry.text in message.body


@pytest.mark.parametrize("commenter", ["admin", "another lead of the force"])
def test_a_comment_by_someone_else_tells_the_items_liaison_lead(
    committed, glos_item, people, make_user, commenter
):
    by = (
        people["admin"]
        if commenter == "admin"
        else make_user("liaison-lead", "lead.glos.2", force_slugs=["gloucestershire"])
    )
    committed(
        services.comment_add, item=glos_item, by=by, text="Checked on site.", visibility="internal"
    )
    assert sent_to() == [["lead.glos@example.org"]]
    assert f"{by.username} added an update on" in mail.outbox[0].body


def test_the_liaison_leads_own_comment_tells_nobody(committed, glos_item, lead, bystanders):
    committed(
        services.comment_add, item=glos_item, by=lead, text="My own note.", visibility="public"
    )
    assert mail.outbox == []


def test_an_item_without_a_liaison_lead_tells_nobody(committed, officer, people, bystanders):
    item = make_item(force="gloucestershire")
    assert item.liaison_lead is None
    committed(
        services.comment_add, item=item, by=officer, text="Update.", action=Action.PROGRESS_UPDATE
    )
    assert mail.outbox == []


def test_a_liaison_lead_without_an_email_address_is_not_emailed(
    committed, glos_item, lead, officer
):
    lead.email = ""
    lead.save()
    committed(
        services.comment_add,
        item=glos_item,
        by=officer,
        text="Update.",
        action=Action.PROGRESS_UPDATE,
    )
    assert mail.outbox == []


def test_a_deactivated_liaison_lead_is_not_emailed(committed, glos_item, lead, officer):
    lead.is_active = False
    lead.save()
    committed(
        services.comment_add,
        item=glos_item,
        by=officer,
        text="Internal detail.",
        action=Action.PROGRESS_UPDATE,
    )
    assert mail.outbox == []


def test_a_liaison_lead_moved_to_another_force_is_not_emailed(committed, glos_item, officer):
    from forces.users import user_set_role

    user_set_role(username="lead.glos", role="liaison-lead", force_slugs=["west-midlands"])
    committed(
        services.comment_add,
        item=glos_item,
        by=officer,
        text="Internal detail.",
        action=Action.PROGRESS_UPDATE,
    )
    assert mail.outbox == []


def test_the_link_uses_the_portals_address(committed, glos_item, officer, settings):
    settings.PORTAL_BASE_URL = "https://tracker.example.gov.uk/"
    committed(
        services.comment_add,
        item=glos_item,
        by=officer,
        text="Update.",
        action=Action.PROGRESS_UPDATE,
    )
    path = reverse("recommendations:item", args=[glos_item.pk])
    assert mail.outbox[0].body.endswith(f"\n\nhttps://tracker.example.gov.uk{path}\n")


# Sent after the change commits, never for a change that did not --------------------


def test_nothing_is_sent_before_the_change_commits(
    eager, glos_item, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_add(
            item=glos_item, by=officer, text="Update.", action=Action.PROGRESS_UPDATE
        )
        assert mail.outbox == []
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()  # the commit
    assert sent_to() == [["lead.glos@example.org"]]


def test_nothing_is_sent_for_a_change_rolled_back(
    eager, glos_item, officer, lead, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        services.comment_add(
            item=glos_item, by=officer, text="Update.", action=Action.PROGRESS_UPDATE
        )
        services.closure_propose(item=glos_item, by=lead, reason="Done.", verified_by="documents")
        raise Undo
    assert callbacks == [] and mail.outbox == []


# A closure proposal tells the chiefs of staff of the item's region ---------------------


def test_a_closure_proposal_tells_the_chiefs_of_staff_of_the_region(
    committed, glos_item, lead, people, make_user, bystanders
):
    make_user("chief-of-staff", "chief.sw.2", region_slug="south-west")
    gone = make_user("chief-of-staff", "chief.sw.gone", region_slug="south-west")
    gone.is_active = False
    gone.save()
    silent = make_user("chief-of-staff", "chief.sw.silent", region_slug="south-west")
    silent.email = ""
    silent.save()
    proposal = propose(committed, glos_item, lead)
    (message,) = mail.outbox  # one email to them all; not the proposer, not other regions
    assert message.to == ["chief-of-staff@example.org", "chief.sw.2@example.org"]
    assert message.subject == f"Closure proposed for {glos_item}"
    assert "Gloucestershire Constabulary" in message.subject
    assert glos_item.finding.reference in message.subject
    assert message.body == (
        f"{display_name(lead)} proposes closure:\n\n{proposal.reason}\n\n{link(glos_item)}\n"
    )


def test_a_proposal_in_another_region_tells_that_regions_chiefs_only(
    committed, people, make_user, bystanders
):
    wm_lead = make_user("liaison-lead", "lead.wm.own", force_slugs=["west-midlands"])
    item = progressed(make_item(force="west-midlands", lead=wm_lead), wm_lead)
    propose(committed, item, wm_lead)
    assert sent_to() == [["chief.wm@example.org"]]
    assert mail.outbox[0].subject == f"Closure proposed for {item}"
    assert "West Midlands" in mail.outbox[0].subject


def test_a_proposal_where_no_chief_of_staff_has_an_email_address_is_sent_to_nobody(
    committed, glos_item, lead, people
):
    chief = people["chief-of-staff"]
    chief.email = ""
    chief.save()
    propose(committed, glos_item, lead)
    assert mail.outbox == []


# A decision tells the proposer ----------------------------------------------------------


def test_authorising_tells_the_proposer(committed, glos_item, lead, people, bystanders):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    proposal = committed(
        services.closure_authorise,
        item=glos_item,
        by=people["chief-of-staff"],
        note="Evidence seen.",
    )
    assert proposal.state == ClosureProposal.State.AUTHORISED
    (message,) = mail.outbox  # the proposer only
    assert message.to == ["lead.glos@example.org"]
    assert message.subject == f"Closure authorised for {glos_item}"
    assert message.body == (
        f"{display_name(people['chief-of-staff'])} authorised your proposal. Evidence seen."
        f"\n\n{link(glos_item)}\n"
    )


def test_returning_tells_the_proposer_why(committed, glos_item, lead, people, bystanders):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    committed(
        services.closure_return,
        item=glos_item,
        by=people["chief-of-staff"],
        reason="We need the training records.",
    )
    (message,) = mail.outbox
    assert message.to == ["lead.glos@example.org"]
    assert message.subject == f"Closure returned for {glos_item}"
    assert "returned your proposal. We need the training records." in message.body
    assert message.body.endswith(f"\n\n{link(glos_item)}\n")


def test_an_administrator_withdrawing_it_tells_the_proposer(
    committed, glos_item, lead, people, bystanders
):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    committed(
        services.closure_withdraw, item=glos_item, by=people["admin"], reason="Raised in error."
    )
    (message,) = mail.outbox
    assert message.to == ["lead.glos@example.org"]
    assert message.subject == f"Closure withdrawn for {glos_item}"
    assert "Raised in error." in message.body and link(glos_item) in message.body


@pytest.mark.parametrize("decision", ["authorise", "return", "withdraw"])
def test_a_proposer_without_an_email_address_hears_nothing_of_the_decision(
    committed, glos_item, lead, people, decision
):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    lead.email = ""
    lead.save()
    if decision == "authorise":
        committed(services.closure_authorise, item=glos_item, by=people["chief-of-staff"])
    elif decision == "return":
        committed(
            services.closure_return, item=glos_item, by=people["chief-of-staff"], reason="No."
        )
    else:
        committed(services.closure_withdraw, item=glos_item, by=people["admin"], reason="No.")
    assert mail.outbox == []


def test_the_withdrawal_email_is_good_english(committed, glos_item, lead, people):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    committed(services.closure_withdraw, item=glos_item, by=people["admin"], reason="Error.")
    assert "withdrawn your proposal" not in mail.outbox[0].body


def test_proposal_emails_name_people_as_the_portal_does(
    committed, glos_item, lead, people, make_user
):
    chief = make_user(
        "chief-of-staff", "chief.named", region_slug="south-west", full_name="Cara Chief"
    )
    propose(committed, glos_item, lead)
    assert mail.outbox[0].body.startswith("Lee Lead proposes closure")
    mail.outbox.clear()
    committed(services.closure_return, item=glos_item, by=chief, reason="More.")
    assert mail.outbox[0].body.startswith("Cara Chief returned your proposal")


def test_withdrawing_ones_own_proposal_tells_nobody(committed, glos_item, lead, bystanders):
    propose(committed, glos_item, lead)
    mail.outbox.clear()
    committed(services.closure_withdraw, item=glos_item, by=lead, reason="Not yet.")
    assert mail.outbox == []
