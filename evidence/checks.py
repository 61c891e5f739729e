"""What an uploaded file must be before it is scanned and stored: a safe name, not empty,
and a type on the allow-list judged from its content (never from its name).

The first bytes are matched with puremagic (PDF, PNG, JPEG, and the ZIP and OLE2
containers). The containers hold many kinds of file, so they are looked into: a ZIP is an
Office Open XML document (Word, Excel, PowerPoint) by its main part, or an OpenDocument by
its `mimetype` entry, and anything else (a plain archive, a Java archive) is refused; an
OLE2 compound file is a Word, Excel or PowerPoint 97-2003 file by its main stream, and
anything else (an installer, an Outlook message) is refused. A file with no magic number
is accepted only as text: valid UTF-8 with no NUL or other control characters (tab,
newline, carriage return and form feed apart). Text named `.csv` is shown as CSV.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from django.core.files.uploadedfile import UploadedFile

from recommendations import errors

CHUNK = 64 * 1024
NAME_MAX_LENGTH = 255
# Control characters (C0, DEL, C1) and the Unicode format characters that can make a
# name read differently from what it is (right-to-left override and the like).
BAD_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DRIVE = re.compile(r"^[A-Za-z]:")
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

OOXML_PARTS = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
OLE_STREAMS = {
    "worddocument": "application/msword",
    "workbook": "application/vnd.ms-excel",
    "book": "application/vnd.ms-excel",
    "powerpoint document": "application/vnd.ms-powerpoint",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ALLOWED_TYPES_TEXT = "PDF, Word, Excel, PowerPoint, OpenDocument, plain text, CSV, PNG or JPEG"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: only `inspect` makes these, and the evidence
    service stores only these (after scanning them)."""

    file: IO[bytes]
    name: str
    size: int
    content_type: str
    sha256: str


class Refused(errors.DomainError):
    """A file refused before anything is stored; the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="files")


def display_name(raw: str | None) -> str:
    """The name as people will see it, for messages, before it is checked."""
    return (raw or "").strip() or "The file"


def check_name(raw: str | None) -> str:
    """The file's name if it is safe to show: no path parts, no control characters."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    shown = BAD_NAME_CHARACTERS.sub("?", name)
    if not name:
        raise Refused("A file has no name: give it a name and select it again")
    if BAD_NAME_CHARACTERS.search(name) or any(
        unicodedata.category(c) in ("Cf", "Cc") for c in name
    ):
        raise Refused(f"{shown}: the name has a control character; rename the file")
    if "/" in name or "\\" in name or name in (".", "..") or DRIVE.match(name):
        raise Refused(f"{shown}: the name must not contain a folder or drive; rename the file")
    if len(name) > NAME_MAX_LENGTH:
        raise Refused(f"{name[:40]}…: the name must be {NAME_MAX_LENGTH} characters or fewer")
    return name


def _zip_type(handle: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                return next((t for part, t in OOXML_PARTS.items() if part in names), None)
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in ODF_TYPES else None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError):
        return None
    return None


def ole_stream_names(handle: IO[bytes]) -> set[str]:
    """The names of the entries in an OLE2 compound file's directory (lower case), read
    from its sector chains; an empty set for a damaged file."""
    handle.seek(0)
    header = handle.read(512)
    if len(header) < 512 or header[:8] != OLE_MAGIC:
        return set()
    (sector_shift,) = struct.unpack_from("<H", header, 30)
    if sector_shift not in (9, 12):
        return set()
    size = 1 << sector_shift
    fat_count, first_dir = struct.unpack_from("<II", header, 44)
    first_difat, difat_count = struct.unpack_from("<II", header, 68)

    def sector(n: int) -> bytes:
        handle.seek((n + 1) * size)
        return handle.read(size)

    fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s < 0xFFFFFFFA]
    next_difat, seen = first_difat, 0
    while next_difat < 0xFFFFFFFA and seen < difat_count and seen < 10_000:
        data = sector(next_difat)
        if len(data) < size:
            return set()
        values = struct.unpack(f"<{size // 4}I", data)
        fat_sectors.extend(v for v in values[:-1] if v < 0xFFFFFFFA)
        next_difat, seen = values[-1], seen + 1
    fat: list[int] = []
    for s in fat_sectors[:fat_count]:
        data = sector(s)
        if len(data) < size:
            return set()
        fat.extend(struct.unpack(f"<{size // 4}I", data))
    names: set[str] = set()
    current, hops = first_dir, 0
    while current < 0xFFFFFFFA and current < len(fat) and hops < 100_000:
        data = sector(current)
        for offset in range(0, len(data) - 127, 128):
            (length,) = struct.unpack_from("<H", data, offset + 64)
            if 2 <= length <= 64:
                raw = data[offset : offset + length - 2]
                names.add(raw.decode("utf-16-le", "replace").lower())
        current, hops = fat[current], hops + 1
    return names


def _ole_type(handle: IO[bytes]) -> str | None:
    names = ole_stream_names(handle)
    return next((t for stream, t in OLE_STREAMS.items() if stream in names), None)


def _is_text(handle: IO[bytes]) -> bool:
    """Valid UTF-8 (a byte-order mark allowed) with no NUL or other control characters."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := handle.read(CHUNK):
            if TEXT_CONTROL.search(decoder.decode(chunk)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(handle: IO[bytes], name: str) -> str | None:
    """The file's content type if it is on the allow-list, judged from its content."""
    handle.seek(0)
    head = handle.read(8192)
    if head.startswith(ZIP_MAGIC):
        handle.seek(0)
        return _zip_type(handle)
    if head.startswith(OLE_MAGIC):
        return _ole_type(handle)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    found = {m.mime_type for m in matches}
    if head.startswith(b"%PDF-") and "application/pdf" in found:
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n") and "image/png" in found:
        return "image/png"
    if head.startswith(b"\xff\xd8\xff") and "image/jpeg" in found:
        return "image/jpeg"
    if _is_text(handle):
        return "text/csv" if name.lower().endswith(".csv") else "text/plain"
    return None


def inspect(upload: UploadedFile[bytes], *, max_bytes: int) -> CheckedFile:
    """Check one upload; raises Refused naming the file. Reads it once for the hash
    and once more only as far as its type needs."""
    name = check_name(upload.name)
    handle: IO[bytes] = upload
    size = upload.size or 0
    if size == 0:
        raise Refused(f"{name} is empty: select a file with something in it")
    if size > max_bytes:
        raise Refused(f"{name} is larger than {max_bytes // (1024 * 1024)} MB")
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    content_type = sniff(handle, name)
    if content_type is None:
        raise Refused(
            f"{name} is not a file type the portal accepts: it must be a "
            f"{ALLOWED_TYPES_TEXT} file (judged from what is in it, not its name)"
        )
    handle.seek(0)
    return CheckedFile(
        file=handle, name=name, size=size, content_type=content_type, sha256=digest.hexdigest()
    )
