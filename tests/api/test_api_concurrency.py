"""Twenty concurrent authorisations of one proposal through the API, on PostgreSQL with
real threads: one 200, nineteen 409, one history row."""

import pytest
from django.db import connection

from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import make_item
from tests.recommendations.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_twenty_concurrent_authorisations_through_the_api(people, token_for):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    lead, chief = people["liaison-lead"], people["chief-of-staff"]
    item = progressed(make_item(force="gloucestershire"), lead)
    proposal = services.closure_propose(
        item=item, by=lead, reason="Met", verified_by="reality-testing"
    )
    item_history = item.history.count()
    proposal_history = ClosureProposal.history.filter(id=proposal.pk).count()
    _, secret = token_for(chief)
    url = f"/api/v1/items/{item.pk}/closure-proposals/{proposal.pk}/authorise/"

    def authorise(_):
        response = ApiClient(secret).post(url, {})
        return response.status_code, response.json()

    results = run_concurrently(20, authorise)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * 19, results
    refusals = {body["detail"] for code, body in results if code == 409}
    assert refusals == {"This closure has already been authorised."}
    assert TimelineEntry.objects.filter(item=item, status_id=Status.COMPLETE).count() == 1
    assert item.history.count() == item_history + 1
    assert ClosureProposal.history.filter(id=proposal.pk).count() == proposal_history + 1
