"""The portal-page import's upload limits; the limiting itself is the kernel's
(tracker.uploads: the declared length, the handler, the decorator, the messages).

Each page at most IMPORT_MAX_FILE_BYTES (by default what the importer reads at most,
portal_format.importing.MAX_FILE_BYTES, 1 MB), the pages together at most
IMPORT_MAX_REQUEST_BYTES (20 MB); past either the upload stops and the rest of the body
is not read."""

from __future__ import annotations

from django.conf import settings

from tracker.uploads import BAD_CONTENT_LENGTH, UploadLimits
from tracker.uploads import UploadLimiter as LimitedUploadHandler

from .portal_format import importing

IMPORT_MAX_REQUEST_BYTES = 20 * 1024 * 1024

__all__ = ["BAD_CONTENT_LENGTH", "LimitedUploadHandler", "import_limits"]


def import_limits() -> UploadLimits:
    return UploadLimits(
        per_file=getattr(settings, "IMPORT_MAX_FILE_BYTES", importing.MAX_FILE_BYTES),
        total=getattr(settings, "IMPORT_MAX_REQUEST_BYTES", IMPORT_MAX_REQUEST_BYTES),
    )
