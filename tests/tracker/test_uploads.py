"""tracker.uploads: one handler and one decorator limit every upload, with the limits
read from settings at each request and one message for each limit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from evidence import services as evidence_services
from evidence.checks import Refused
from evidence.uploads import evidence_limits
from recommendations.models import PendingImport, TimelineEntry
from recommendations.uploads import import_limits
from tests.factories import ReportFactory, make_item
from tracker.uploads import (
    BAD_CONTENT_LENGTH,
    FORM_OVERHEAD,
    UploadLimiter,
    UploadLimits,
    UploadRefused,
    declared_length,
    limit_uploads,
    too_many_files,
)

LIMITS = UploadLimits(per_file=1024, total=3000, files=2)


class Unread(io.RawIOBase):
    """A body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize(
    "header,length",
    [("123", 123), ("", 0), (None, 0), (" 7 ", 7), ("abc", None), ("-5", None), ("1e9", None)],
)
def test_the_declared_length_is_a_whole_number_or_nothing(header, length):
    request = RequestFactory().get("/")
    request.META.pop("CONTENT_LENGTH", None)
    if header is not None:
        request.META["CONTENT_LENGTH"] = header
    assert declared_length(request) == length


def started(limiter: UploadLimiter, field: str, name: str) -> None:
    limiter.new_file(field, name, "text/plain", None)


def test_a_file_past_its_limit_stops_the_upload_naming_the_file():
    limiter = LIMITS.limiter(None)
    started(limiter, "files", "big.txt")
    limiter.receive_data_chunk(b"x" * 1000, 0)
    with pytest.raises(StopUpload) as stopped:
        limiter.receive_data_chunk(b"x" * 100, 1000)
    assert stopped.value.connection_reset  # the door's choice: read no further
    assert limiter.refusal == (
        "big.txt is larger than 0.000976562 MB: each file must be that size or smaller"
    )
    assert isinstance(limiter.error, UploadRefused) and limiter.error.http_status == 413
    assert limiter.error.field == "files" and not limiter.error.unread


def test_files_past_their_total_stop_the_upload():
    limiter = LIMITS.limiter(None)
    for n in range(2):
        started(limiter, "files", f"{n}.txt")
        limiter.receive_data_chunk(b"x" * 1000, 0)
    started(limiter, "other", "third.txt")
    with pytest.raises(StopUpload):
        limiter.receive_data_chunk(b"x" * 1001, 0)
    assert limiter.refusal.startswith("The files together are larger than")


def test_one_file_too_many_is_refused_with_the_one_message():
    limiter = UploadLimits(per_file=1024, total=10_000, files=2, stop_reading=False).limiter(None)
    started(limiter, "files", "a.txt")
    started(limiter, "marking", "")  # other inputs do not count
    started(limiter, "files", "b.txt")
    with pytest.raises(StopUpload) as stopped:
        started(limiter, "files", "c.txt")
    assert not stopped.value.connection_reset  # read to the end: the browser gets the page
    assert limiter.refusal == too_many_files(2) == "Select at most 2 files at once"


@pytest.mark.django_db
def test_the_evidence_service_refuses_too_many_files_with_the_same_message(settings, people):
    """The door (the handler) and the service say the same thing about the same limit."""
    settings.EVIDENCE_MAX_FILES = 1
    item = make_item(force="gloucestershire")
    entry = TimelineEntry.objects.filter(item=item).first()
    with pytest.raises(Refused) as refused, transaction.atomic():
        evidence_services.attach(
            item=item,
            entry=entry,
            by=people["admin"],
            files=[object(), object()],
            marking="OFFICIAL",
        )
    assert refused.value.message == too_many_files(1)


@override_settings(EVIDENCE_MAX_BYTES=2048, EVIDENCE_MAX_FILES=3)
def test_the_evidence_limits_come_from_settings():
    limits = evidence_limits()
    assert (limits.per_file, limits.files, limits.total) == (2048, 3, 3 * 2048)
    assert limits.declared_max == 3 * 2048 + FORM_OVERHEAD
    assert limits.stop_reading is False


def test_the_import_limits_come_from_settings(settings):
    assert (import_limits().per_file, import_limits().total) == (1024 * 1024, 20 * 1024 * 1024)
    settings.IMPORT_MAX_FILE_BYTES = 10
    settings.IMPORT_MAX_REQUEST_BYTES = 100
    assert (import_limits().per_file, import_limits().total) == (10, 100)


# --- The decorator, on a view of its own ---------------------------------------------


class Door:
    """A view that takes files, and what it and its refusal page were given."""

    def __init__(self, limits: UploadLimits = LIMITS):
        self.seen: list[str] = []
        self.refused: list[UploadRefused] = []

        def refuse(request, error, *args, **kwargs):
            self.refused.append(error)
            return HttpResponse(error.message, status=error.http_status)

        @limit_uploads(lambda: limits, refused=refuse)
        def view(request):
            self.seen += [f.name for f in request.FILES.getlist("files")]
            return HttpResponse("done")

        self.view = view


def posting(files, *, csrf_checked: bool = False, **extra):
    request = RequestFactory().post("/upload/", {"files": files, "note": "hi"}, **extra)
    # As Django's test client does; the check itself is tested below.
    setattr(request, "_dont_enforce_csrf_checks", not csrf_checked)
    return request


def test_files_within_the_limits_reach_the_view():
    door = Door()
    files = [SimpleUploadedFile("a.txt", b"a" * 500), SimpleUploadedFile("b.txt", b"b" * 500)]
    response = door.view(posting(files))
    assert response.status_code == 200 and door.seen == ["a.txt", "b.txt"]
    assert door.refused == []


def test_a_file_past_the_limit_goes_to_the_refusal_page_not_the_view():
    door = Door()
    response = door.view(posting([SimpleUploadedFile("big.txt", b"x" * 5000)]))
    assert response.status_code == 413 and door.seen == []
    assert "big.txt is larger than" in response.content.decode()
    assert not door.refused[0].unread


def test_a_body_declaring_too_much_is_refused_unread():
    door = Door()
    request = RequestFactory().post(
        "/upload/",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(LIMITS.declared_max + 1),
        **{"wsgi.input": Unread()},
    )
    response = door.view(request)
    assert response.status_code == 413 and door.seen == []
    assert door.refused[0].unread
    assert "The files together are larger than" in response.content.decode()


def test_a_content_length_that_is_not_a_number_is_a_400():
    door = Door()
    response = door.view(posting([], CONTENT_LENGTH="abc"))
    assert response.status_code == 400 and door.seen == [] and door.refused == []
    assert BAD_CONTENT_LENGTH.replace("'", "&#39;") in response.content.decode()


def test_the_csrf_check_still_runs_once_the_limits_are_in_place():
    door = Door()
    response = door.view(posting([SimpleUploadedFile("a.txt", b"a")], csrf_checked=True))
    assert response.status_code == 403 and door.seen == []


def test_a_get_goes_straight_to_the_view():
    door = Door()
    request = RequestFactory().get("/upload/")
    setattr(request, "_dont_enforce_csrf_checks", True)
    assert door.view(request).status_code == 200


@pytest.mark.django_db
def test_the_import_door_reads_its_limits_at_each_request(client_as, settings):
    ReportFactory(slug="peel-2016-national")
    settings.IMPORT_MAX_FILE_BYTES = 100
    page = io.BytesIO(b"x" * 500)
    page.name = "glos.txt"
    response = client_as("admin").post(
        reverse("recommendations:import"), {"report": "peel-2016-national", "files": [page]}
    )
    assert response.status_code == 413
    assert "glos.txt is larger than" in response.content.decode()
    assert not PendingImport.objects.exists()
