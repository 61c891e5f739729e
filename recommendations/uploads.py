"""Uploads checked as they stream in: a request that says it is too large is refused
before its body is read, and a file that grows past its limit stops the reading there.
Nothing past the limit is read into memory or onto disk."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

BAD_CONTENT_LENGTH = (
    "The request's Content-Length header must be a whole number of bytes: "
    "send the form again from the portal"
)


def megabytes(size: int) -> str:
    return f"{size / 1048576:g} MB"


def declared_length(request: HttpRequest) -> int | None:
    """The body's length as the request declares it (0 when it declares none), or None
    when the Content-Length header is not a whole number of bytes."""
    raw = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    return int(raw) if raw.isdigit() else None


def bad_content_length(request: HttpRequest) -> HttpResponse:
    """400, saying what is wrong, for a request whose Content-Length is not a number."""
    return render(request, "400.html", {"message": BAD_CONTENT_LENGTH}, status=400)


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes and the request's as chunks arrive. Past a limit it
    records why on `refusal` and stops the upload without reading the rest
    (`connection_reset`), leaving the other handlers to keep what came before."""

    def __init__(self, request: HttpRequest, *, per_file: int, total: int) -> None:
        super().__init__(request)
        self.per_file = per_file
        self.total = total
        self.received = 0
        self.file_received = 0
        self.refusal = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.file_received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.file_received += len(raw_data)
        if self.file_received > self.per_file:
            self.refusal = (
                f"{self.file_name} is larger than {megabytes(self.per_file)}: "
                "a page is at most that size"
            )
        elif self.received > self.total:
            self.refusal = f"The files together are larger than {megabytes(self.total)}"
        if self.refusal:
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
