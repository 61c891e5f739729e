"""What a page offers comes from the policy: nobody is offered an action the policy would
refuse on every item (an administrator's home page offered "Authorise the selected
proposals", and every press was refused)."""

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import Status
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(people):
    lead = people["liaison-lead"]
    item = make_item(force="gloucestershire", lead=lead)
    services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    services.closure_propose(item=item, by=lead, reason="Met", verified_by="documents")
    return item


def test_an_administrators_home_page_offers_no_closure_decision(client_as, proposed):
    html = client_as("admin").get(reverse("recommendations:dashboard")).content.decode()
    assert "Authorise the selected proposals" not in html
    assert "Return the selected proposals" not in html


def test_the_chiefs_home_page_still_offers_it(client_as, proposed):
    html = client_as("chief-of-staff").get(reverse("recommendations:dashboard")).content.decode()
    assert "Authorise the selected proposals" in html


@pytest.mark.parametrize("action", ["authorise-closure", "return-closure"])
def test_an_administrator_cannot_reach_a_bulk_closure_decision(client_as, proposed, action):
    response = client_as("admin").post(
        reverse("recommendations:bulk"),
        {"item": [proposed.pk], "action": action, "step": "confirm", "reason": "No"},
    )
    assert response.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status_id == Status.BEING_PROGRESSED
