"""Evidence uploads are limited as they stream in: a request that declares more than the
files could ever be is refused before its body is read; a file that grows past
EVIDENCE_MAX_BYTES, or a file past EVIDENCE_MAX_FILES, stops the keeping of data at that
point (the rest of the body is read and thrown away, so the browser gets the answer)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from recommendations.uploads import megabytes

# Room for the form's other fields and the multipart framing.
FORM_OVERHEAD = 1024 * 1024


def max_request_bytes() -> int:
    return settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES + FORM_OVERHEAD


class EvidenceUploadHandler(FileUploadHandler):
    """Counts files and each file's bytes as chunks arrive; past a limit it records why
    on `refusal`, naming the file, and stops keeping the upload."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.files = 0
        self.file_received = 0
        self.refusal = ""
        self.unread = False  # refused from its declared length, body never read

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.file_received = 0
        if field_name == "files" and file_name:
            self.files += 1
            if self.files > settings.EVIDENCE_MAX_FILES:
                self.refusal = (
                    f"Select at most {settings.EVIDENCE_MAX_FILES} files at once: "
                    f"{file_name} is one too many"
                )
                raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.file_received += len(raw_data)
        if self.file_received > settings.EVIDENCE_MAX_BYTES:
            self.refusal = (
                f"{self.file_name} is larger than {megabytes(settings.EVIDENCE_MAX_BYTES)}: "
                "each file must be that size or smaller"
            )
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
