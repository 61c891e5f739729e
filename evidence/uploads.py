"""The evidence files' upload limits; the limiting itself is the kernel's
(tracker.uploads). A form takes at most EVIDENCE_MAX_FILES files of at most
EVIDENCE_MAX_BYTES each: a body declaring more than they could ever be is refused
before it is read; a file that grows past EVIDENCE_MAX_BYTES, or a file past
EVIDENCE_MAX_FILES, stops the keeping of data at that point (the rest of the body is
read and thrown away, so the browser gets the answer)."""

from __future__ import annotations

from django.conf import settings

from tracker.uploads import UploadLimits


def evidence_limits() -> UploadLimits:
    return UploadLimits(
        per_file=settings.EVIDENCE_MAX_BYTES,
        total=settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES,
        files=settings.EVIDENCE_MAX_FILES,
        stop_reading=False,
    )
