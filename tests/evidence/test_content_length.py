"""A Content-Length that is not a number is answered 400 with a clear message, never a
500 (security review): the evidence-carrying action forms and the portal-page import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations.models import TimelineEntry
from recommendations.uploads import BAD_CONTENT_LENGTH
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", ["abc", "-5", "1e9"])
def test_an_action_form_with_a_bad_content_length_is_a_400(people, client_as, length):
    lead = people["liaison-lead"]
    item = progressed(make_item(force="gloucestershire", lead=lead), lead)
    before = TimelineEntry.objects.filter(item=item).count()
    response = client_as("liaison-lead").post(
        reverse("recommendations:action", args=[item.pk, "comment"]),
        {"text": "Hello", "visibility": "internal"},
        CONTENT_LENGTH=length,
    )
    assert response.status_code == 400
    assert BAD_CONTENT_LENGTH.replace("'", "&#39;") in response.content.decode()
    assert TimelineEntry.objects.filter(item=item).count() == before


def test_an_import_with_a_bad_content_length_is_a_400(client_as):
    response = client_as("admin").post(
        reverse("recommendations:import"), {"files": ""}, CONTENT_LENGTH="abc"
    )
    assert response.status_code == 400
    assert BAD_CONTENT_LENGTH.replace("'", "&#39;") in response.content.decode()
