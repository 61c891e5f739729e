"""Scanning against a real ClamAV daemon (Debian's clamav-daemon, started by the
`clamd` fixture with a signature database the tests write): a matching file is refused
and logged as a security event, a clean one is stored, and a daemon that does not answer
means the upload is refused, never stored unscanned."""

from __future__ import annotations

import io
import logging
import socket

import pytest
from django.urls import reverse

from evidence import scanning as clamav
from evidence.models import Evidence
from recommendations.models import TimelineEntry
from tests.evidence.conftest import MALWARE_MARKER, PDF, stored_files, upload
from tests.factories import make_item

pytestmark = [pytest.mark.django_db, pytest.mark.clamd]

INFECTED = b"Minutes of the meeting\n" + MALWARE_MARKER + b"\nEnd\n"


def post_update(client, item, *files):
    return client.post(
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        {"text": "With evidence", "files": [upload(n, c) for n, c in files]},
    )


def test_the_real_daemon_gives_verdicts(scanning):
    assert clamav.enabled()
    assert clamav.scan(io.BytesIO(PDF)).clean
    verdict = clamav.scan(io.BytesIO(INFECTED))
    assert not verdict.clean and verdict.signature.startswith("Tracker.Test.Malware")


def test_a_clean_file_is_scanned_and_stored(client_as, scanning, settings):
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("clean.pdf", PDF))
    assert response.status_code == 302
    assert Evidence.objects.get().name == "clean.pdf"
    assert len(stored_files(settings)) == 1


def test_a_detected_file_is_refused_logged_and_nothing_kept(client_as, scanning, settings, caplog):
    item = make_item(force="gloucestershire")
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        response = post_update(
            client_as("liaison-officer"), item, ("clean.pdf", PDF), ("minutes.txt", INFECTED)
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "minutes.txt was refused: the virus check found something harmful in it" in html
    assert Evidence.objects.count() == 0 and stored_files(settings) == []
    assert TimelineEntry.objects.filter(item=item).count() == 1
    logged = [r.msg for r in caplog.records if r.name == "tracker.security"]
    detections = [
        m for m in logged if isinstance(m, dict) and m.get("event") == "evidence-malware-detected"
    ]
    assert len(detections) == 1
    assert detections[0]["file"] == "minutes.txt"
    assert detections[0]["signature"].startswith("Tracker.Test.Malware")


def test_a_daemon_that_does_not_answer_means_refused_never_stored(client_as, settings):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "127.0.0.1", port, 2
    item = make_item(force="gloucestershire")
    response = post_update(client_as("liaison-officer"), item, ("clean.pdf", PDF))
    assert response.status_code == 400
    assert "clean.pdf could not be checked for viruses just now" in response.content.decode()
    assert "try again later" in response.content.decode()
    assert Evidence.objects.count() == 0 and stored_files(settings) == []
