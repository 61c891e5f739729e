"""Large imports are applied by a real Celery worker on Redis while the person watches
a progress page that works without JavaScript; a failed one writes nothing."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from recommendations import imports
from recommendations.models import PendingImport, TimelineEntry, TrackedItem
from tests.conftest import sign_in
from tests.factories import ReportFactory
from tests.recommendations.test_reminders import wait_until, worker  # noqa: F401

PAGE = (
    "https://www.justiceinspectorates.gov.uk/hmicfrs/recommendation/gloucestershire/9/\n\n"
    "Recommendation 9\n\nDo it.\n\n"
    "[on]3rd March 2017 [status]awaiting-review[/status][/on]"
    "[on]4th March 2017 [status]being-progressed[/status][/on]"
    "[on]5th March 2017 [comment]One[/comment][/on]"
    "[on]6th March 2017 [comment]Two[/comment][/on]"
    "[on]7th March 2017 [comment]Three[/comment][/on]"
)


def preview(client):
    handle = io.BytesIO(PAGE.encode())
    handle.name = "glos9.txt"
    response = client.post(
        reverse("recommendations:import"), {"report": "peel-2016-national", "files": [handle]}
    )
    assert response.status_code == 200, response.content.decode()
    return response.context["pending"]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_import_runs_on_the_worker_with_a_progress_page(
    make_user,
    settings,
    worker,  # noqa: F811
):
    settings.IMPORT_BACKGROUND_ENTRIES = 3
    ReportFactory(slug="peel-2016-national")
    client = Client()
    sign_in(client, make_user("admin"))
    pending = preview(client)
    response = client.post(reverse("recommendations:import_confirm"), {"import_id": pending.pk})
    status_url = reverse("recommendations:import_status", args=[pending.pk])
    assert response.status_code == 302 and response["Location"] == status_url
    assert wait_until(
        lambda: PendingImport.objects.get(pk=pending.pk).state == PendingImport.State.DONE
    )
    page = client.get(status_url).content.decode()
    assert "glos9.txt: created: 5 entries" in page
    assert 'http-equiv="refresh"' not in page
    item = TrackedItem.objects.get()
    assert item.timeline.count() == 5


@pytest.mark.django_db
def test_the_progress_page_refreshes_while_queued(client_as, people):
    ReportFactory(slug="peel-2016-national")
    client = client_as("admin")
    pending = preview(client)
    PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.QUEUED)
    page = client.get(reverse("recommendations:import_status", args=[pending.pk]))
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Refresh now" in html


@pytest.mark.django_db
def test_a_queued_import_whose_items_changed_writes_nothing_and_says_so(client_as, people):
    ReportFactory(slug="peel-2016-national")
    pending = preview(client_as("admin"))
    PendingImport.objects.filter(pk=pending.pk).update(state=PendingImport.State.QUEUED)
    # Someone imports the same page first: the queued preview is no longer true.
    first = preview(client_as("admin"))
    imports.apply(first)
    before = TimelineEntry.objects.count()
    assert imports.run_queued(str(pending.pk)) == "refused"
    failed = PendingImport.objects.get(pk=pending.pk)
    assert failed.state == PendingImport.State.FAILED
    assert failed.outcome == [imports.PreviewOutdated.message]
    assert TimelineEntry.objects.count() == before
    assert imports.run_queued(str(pending.pk)) == "not queued"  # a redelivery does nothing
