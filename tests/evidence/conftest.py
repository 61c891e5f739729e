"""Sample files of every kind the portal accepts or refuses, made here (no fixtures on
disk), and a real ClamAV daemon for the scanning tests, started with a signature
database these tests write."""

from __future__ import annotations

import io
import shutil
import socket
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

CLAMD = Path("/usr/sbin/clamd")
# What the test signature matches: a text file holding it is "malware" to this clamd.
MALWARE_MARKER = b"TRACKER-TEST-MALWARE-SIGNATURE"

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"PE\x00\x00"


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def content_types(part: str, main: str) -> bytes:
    """[Content_Types].xml as Office writes it, declaring the main part's type."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main}"/></Types>'
    ).encode()


def docx() -> bytes:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return zip_of(
        [
            ("[Content_Types].xml", content_types("word/document.xml", main)),
            ("word/document.xml", b"<w:document/>"),
        ]
    )


def pptx() -> bytes:
    main = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    return zip_of(
        [
            ("[Content_Types].xml", content_types("ppt/presentation.xml", main)),
            ("ppt/presentation.xml", b"<p/>"),
        ]
    )


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Action plan"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odf(kind: str) -> bytes:
    return zip_of(
        [
            ("mimetype", f"application/vnd.oasis.opendocument.{kind}".encode()),
            ("content.xml", b"<x/>"),
        ]
    )


def ole(*streams: str) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors: header, one FAT sector, one
    directory sector) whose directory holds a root entry and the named streams."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))
    directory = bytearray(512)
    for index, (name, kind) in enumerate([("Root Entry", 5), *((s, 2) for s in streams)][:4]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        offset = index * 128
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HB", directory, offset + 64, len(encoded), kind)
    return bytes(header) + fat + bytes(directory)


ACCEPTED = {
    "report.pdf": (PDF, "application/pdf"),
    "chart.png": (PNG, "image/png"),
    "photo.jpg": (JPEG, "image/jpeg"),
    "plan.docx": (
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "figures.xlsx": (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "slides.pptx": (
        pptx(),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "minutes.odt": (odf("text"), "application/vnd.oasis.opendocument.text"),
    "budget.ods": (odf("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    "briefing.odp": (odf("presentation"), "application/vnd.oasis.opendocument.presentation"),
    "notes.txt": ("Meeting notes – café, 3 March\n".encode(), "text/plain"),
    "audit.csv": (b"force,result\ngloucestershire,met\n", "text/csv"),
}
# name: content. Each is refused, whatever its name says.
REFUSED_TYPES = {
    "policy.pdf": EXE,  # an executable renamed
    "plan.docx": zip_of([("readme.txt", b"hello")]),  # a plain zip
    "library.xlsx": zip_of([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0")]),  # a jar
    "notes.txt": b"text with a NUL\x00 in it",
    "latin1.csv": "naïve".encode("latin-1"),
    "readme.md": b"# Plain text, but not named .txt or .csv\n",
    "template.docx": zip_of(  # a Word template: not on the list
        [
            (
                "[Content_Types].xml",
                content_types(
                    "word/document.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml."
                    "template.main+xml",
                ),
            ),
            ("word/document.xml", b"<w:document/>"),
        ]
    ),
    "presentation.odg": odf("graphics"),  # OpenDocument, but a drawing
}
# name: content. Office 97-2003 (and password-protected Office) files: OLE2 compound
# files, refused by their first bytes without being parsed (issue 23).
REFUSED_LEGACY_OFFICE = {
    "old-policy.doc": ole("WordDocument", "SummaryInformation"),
    "old-figures.xls": ole("Workbook"),
    "old-slides.ppt": ole("PowerPoint Document"),
    "setup.doc": ole("SummaryInformation", "!_StringData"),  # OLE2 but not Office
}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    """Each test stores evidence in a folder of its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media" / "evidence"},
        },
    }
    return tmp_path / "media" / "evidence"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd from Debian's clamav-daemon, on a free port, with one signature
    (MALWARE_MARKER anywhere in a file). Fails loudly when clamd is not installed:
    `apt-get install clamav-daemon` (CI's .ci/run installs it)."""
    if not CLAMD.exists():
        pytest.fail(f"{CLAMD} is missing: apt-get install clamav-daemon")
    home = tmp_path_factory.mktemp("clamd")
    database = home / "db"
    database.mkdir()
    (database / "tracker-test.ndb").write_text(f"Tracker.Test.Malware:0:*:{MALWARE_MARKER.hex()}\n")
    port = _free_port()
    config = home / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"TCPSocket {port}",
                "TCPAddr 127.0.0.1",
                f"DatabaseDirectory {database}",
                f"LogFile {home / 'clamd.log'}",
                "StreamMaxLength 25M",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [str(CLAMD), "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.sendall(b"zPING\0")
                if conn.recv(16).startswith(b"PONG"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"clamd did not start: {output[-2000:]}")
        time.sleep(0.2)
    yield ("127.0.0.1", port)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def scanning(settings, clamd):
    """Scanning on, against the real clamd."""
    settings.CLAMD_HOST, settings.CLAMD_PORT = clamd
    return clamd
