"""Uploads limited as they stream in, for every door that takes files (the portal-page
import, the evidence files of the action forms). Nothing past a limit is kept in memory
or on disk, and a body that says it is too large is never read.

- `declared_length(request)`: the body's length as the request declares it; a
  Content-Length that is not a whole number is refused (BadContentLength, 400).
- `UploadLimits`: a door's limits (each file, the files together, how many files),
  read from settings when the request comes, so `override_settings` applies.
- `UploadLimiter`: the one upload handler. It counts files and bytes as chunks arrive
  and, past a limit, records why on `refusal` (one message for each limit) and stops
  the upload there.
- `limit_uploads(limits, refused=...)`: the one decorator for a view that takes files.
  It checks the declared length, puts the limiter first among the upload handlers
  before anything reads the body, then runs the CSRF check and the view; a refusal
  goes to `refused` (the door's page) as an UploadRefused, status 413.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .errors import DomainError
from .refusals import render_refusal

BAD_CONTENT_LENGTH = (
    "The request's Content-Length header must be a whole number of bytes: "
    "send the form again from the portal"
)
# Room for a form's other fields and the multipart framing, on top of its files.
FORM_OVERHEAD = 1024 * 1024


def megabytes(size: int) -> str:
    return f"{size / 1048576:g} MB"


def too_many_files(limit: int) -> str:
    """The one message for more files than a form takes (the evidence service says the
    same, evidence.services.attach)."""
    return f"Select at most {limit} files at once"


def file_too_large(name: str, limit: int) -> str:
    return f"{name} is larger than {megabytes(limit)}: each file must be that size or smaller"


def files_too_large(limit: int) -> str:
    return f"The files together are larger than {megabytes(limit)}: select fewer or smaller files"


class BadContentLength(DomainError):
    message = BAD_CONTENT_LENGTH
    http_status = 400


class UploadRefused(DomainError):
    """Files past a limit: nothing of them is kept. `unread` when the body was refused
    from its declared length, before any of it was read."""

    http_status = 413

    def __init__(self, message: str, *, unread: bool = False) -> None:
        super().__init__(message, field="files")
        self.unread = unread


def declared_length(request: HttpRequest) -> int | None:
    """The body's length as the request declares it (0 when it declares none), or None
    when the Content-Length header is not a whole number of bytes."""
    raw = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    return int(raw) if raw.isdigit() else None


class UploadLimiter(FileUploadHandler):
    """Counts each file's bytes, the files' bytes together and the files of `field` as
    chunks arrive. Past a limit it records why on `refusal` and stops the upload: with
    `stop_reading`, the rest of the body is left unread (the connection is reset);
    otherwise it is read and thrown away, so the browser gets the answer. The other
    handlers keep what came before the limit."""

    def __init__(
        self,
        request: HttpRequest | None,
        *,
        per_file: int,
        total: int,
        files: int | None = None,
        field: str = "files",
        stop_reading: bool = True,
    ) -> None:
        super().__init__(request)
        self.per_file = per_file
        self.total = total
        self.max_files = files
        self.field = field
        self.stop_reading = stop_reading
        self.received = 0
        self.file_received = 0
        self.files = 0
        self.refusal = ""

    def _stop(self, refusal: str) -> None:
        self.refusal = refusal
        raise StopUpload(connection_reset=self.stop_reading)

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.file_received = 0
        if field_name == self.field and file_name:
            self.files += 1
            if self.max_files is not None and self.files > self.max_files:
                self._stop(too_many_files(self.max_files))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.file_received += len(raw_data)
        if self.file_received > self.per_file:
            self._stop(file_too_large(str(self.file_name), self.per_file))
        elif self.received > self.total:
            self._stop(files_too_large(self.total))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    @property
    def error(self) -> UploadRefused | None:
        return UploadRefused(self.refusal) if self.refusal else None


@dataclass(frozen=True)
class UploadLimits:
    """A door's limits: each file at most `per_file` bytes, the files together at most
    `total`, at most `files` files in the `field` input (None: any number)."""

    per_file: int
    total: int
    files: int | None = None
    field: str = "files"
    stop_reading: bool = True

    @property
    def declared_max(self) -> int:
        """The longest body the door reads at all: its files and the form around them."""
        return self.total + FORM_OVERHEAD

    def limiter(self, request: HttpRequest | None) -> UploadLimiter:
        return UploadLimiter(
            request,
            per_file=self.per_file,
            total=self.total,
            files=self.files,
            field=self.field,
            stop_reading=self.stop_reading,
        )


def upload_refusal(request: HttpRequest) -> UploadRefused | None:
    """Why the request's files were refused as they streamed in, if they were. Reads the
    body (through the limiter) if nothing has read it yet."""
    request.FILES  # noqa: B018  # parses the body now, under the limits
    for handler in request.upload_handlers:
        if isinstance(handler, UploadLimiter):
            return handler.error
    return None


Refused = Callable[..., HttpResponse]


def limit_uploads(limits: Callable[[], UploadLimits], *, refused: Refused) -> Callable[[Any], Any]:
    """Decorate a view that takes files in a POST. Before the body is read: a
    Content-Length that is not a number is a 400 (BadContentLength); a body declaring
    more than `limits().declared_max` goes to `refused(request, UploadRefused(...,
    unread=True), *args, **kwargs)` unread, CSRF check included. Otherwise the limiter
    goes first among the upload handlers, the CSRF check runs, and a file past a limit
    goes to `refused` with the limiter's UploadRefused instead of the view. A GET goes
    straight to the view, CSRF-protected as usual."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                error = upload_refusal(request)
                if error is not None:
                    return refused(request, error, *args, **kwargs)
            return view(request, *args, **kwargs)

        protected = csrf_protect(checked)

        @csrf_exempt  # checked by `protected`, once the limiter is in place
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST":
                return protected(request, *args, **kwargs)
            declared = declared_length(request)
            if declared is None:
                return render_refusal(request, BadContentLength())
            door = limits()
            if declared > door.declared_max:
                error = UploadRefused(files_too_large(door.total), unread=True)
                return refused(request, error, *args, **kwargs)
            request.upload_handlers.insert(0, door.limiter(request))
            return protected(request, *args, **kwargs)

        return limited

    return decorate
