"""Issue 23, findings 3 and 6: evidence files.

Finding 3: files were parsed before anyone asked whether the sender may add evidence at
all, and the parsing was unbounded (a cyclic OLE2 DIFAT took 1.7 GB; a ZIP's `mimetype`
entry was inflated whole). Now the policy answers first, before the body is even read,
at every door that takes evidence; and every look inside an archive or compound file is
bounded (declared sizes and ratios checked before reading, reads capped, chains walked
with loop detection). The bombs run through the real check in a subprocess under a
memory limit and must be refused within a second.

Finding 6: dangerous files were kept as evidence. Now the types are an allow-list judged
from the content (Office Open XML and OpenDocument without macros, scripts or embedded
programs; PDF; PNG; JPEG; text and CSV only under a .txt or .csv name and never markup),
and a file is downloaded under an extension of its detected type, never the sender's.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.urls import reverse

import evidence.checks
import evidence.forms
from api import services as token_services
from evidence.checks import CheckedFile, Refused, inspect
from evidence.models import Evidence
from recommendations import services
from recommendations.models import TimelineEntry
from recommendations.policy import ATTACH_EVIDENCE, Action
from tests.conftest import progressed
from tests.evidence.conftest import PDF, docx, odf, ole, pptx, xlsx, zip_of
from tests.factories import make_item

ROOT = Path(__file__).resolve().parent.parent.parent
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="%s"/></Types>'
)
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"
CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"PE\x00\x00"


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    """Evidence stored in a folder of this test's own, to see that nothing is kept."""
    location = tmp_path / "media" / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


def stored(location: Path) -> list[Path]:
    return [p for p in location.rglob("*") if p.is_file()] if location.exists() else []


# Files made by hand ----------------------------------------------------------------------


def deflated(content: bytes) -> tuple[bytes, int, int, int]:
    """A part for build_zip: raw deflate, method 8, its size and CRC."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush(), 8, len(content), zlib.crc32(content)


def deflated_zeros(megabytes: int) -> tuple[bytes, int, int, int]:
    """`megabytes` MB of zeros as one raw deflate stream, without compressing them all:
    after a full flush the compressor starts afresh, so one compressed megabyte repeats."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    crc, zero = 0, bytes(1 << 20)
    for _ in range(megabytes):
        crc = zlib.crc32(zero, crc)
    return block * megabytes + packer.flush(), 8, megabytes << 20, crc


def build_zip(parts: list[tuple[str, tuple[bytes, int, int, int]]]) -> bytes:
    """A ZIP written field by field, so a part may be as large (or lie as much) as a test
    wants: name, (stored bytes, method, declared size, CRC)."""
    body, directory = bytearray(), bytearray()
    for name, (data, method, size, crc) in parts:
        encoded, offset = name.encode(), len(body)
        body += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0,
        )  # fmt: skip
        body += encoded + data
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += encoded
    count = min(len(parts), 0xFFFF)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def docx_types(main: bytes = DOCX_MAIN) -> bytes:
    return DOCX_TYPES % main


def docx_with(*extra: tuple[str, bytes], main: bytes = DOCX_MAIN) -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", docx_types(main)),
            ("word/document.xml", b"<w:document/>"),
            *extra,
        ]
    )


def cyclic_ole() -> bytes:
    """8 KB of OLE2 compound file whose chains loop: its DIFAT's first sector (sector 0)
    names itself as the next DIFAT sector and sector 0 as every FAT sector, the FAT says
    sector 0 follows sector 0, and the directory starts at sector 0. The header claims
    2**31 FAT and DIFAT sectors."""
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<9I", header, 40, 0, 0x7FFFFFFF, 0, 0, 4096, 0xFFFFFFFE, 0, 0, 0x7FFFFFFF)
    struct.pack_into("<109I", header, 76, *([0] * 109))
    return bytes(header) + bytes(512 * 15)


# The bombs, through the real check in a subprocess under a memory limit ----------------

RUN_CHECK = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from django.core.files.uploadedfile import SimpleUploadedFile
from evidence.checks import Refused, inspect

name, path = sys.argv[2], sys.argv[3]
with open(path, "rb") as handle:
    upload = SimpleUploadedFile(name, handle.read())

def virtual_memory():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

limit = virtual_memory() + 300 * 1024 * 1024  # 300 MB above what it holds already
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
start = time.perf_counter()
try:
    outcome, message = "accepted", inspect(upload, max_bytes=20 * 1024 * 1024).content_type
except Refused as refusal:
    outcome, message = "refused", refusal.message
except MemoryError:
    outcome, message = "out of memory", ""
print(json.dumps({"outcome": outcome, "message": message,
                  "seconds": time.perf_counter() - start}))
"""


def check_in_subprocess(tmp_path: Path, name: str, content: bytes) -> dict:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings.test"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUN_CHECK, str(ROOT), name, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"checking {name} did not finish within a minute")
    assert done.returncode == 0, f"the check crashed: {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def many_parts(count: int) -> bytes:
    """A Word-looking ZIP with `count` empty parts: a central directory of megabytes."""
    empty = (b"", 0, 0, 0)
    return build_zip(
        [
            ("[Content_Types].xml", deflated(docx_types())),
            ("word/document.xml", deflated(b"<w:document/>")),
            *((f"p/{n:x}", empty) for n in range(count)),
        ]
    )


BOMBS = {
    # Finding 3: a Word-looking ZIP whose document inflates to 200 MB (200 KB sent).
    "bomb.docx": lambda: build_zip(
        [
            ("[Content_Types].xml", deflated(docx_types())),
            ("word/document.xml", deflated_zeros(200)),
        ]
    ),
    # Finding 3: an OpenDocument whose `mimetype` entry inflates to 600 MB (600 KB sent).
    "bomb.odt": lambda: build_zip([("mimetype", deflated_zeros(600))]),
    # Finding 3: 8 KB of OLE2 whose DIFAT and FAT chains loop.
    "cyclic.doc": cyclic_ole,
    # The same loops inside a Word document, as an embedded object: the bounded walker.
    "cyclic-object.docx": lambda: docx_with(("word/embeddings/oleObject1.bin", cyclic_ole())),
    # 200,000 parts: opening the central directory alone took seconds.
    "many-parts.docx": lambda: many_parts(200_000),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused_within_a_second_under_a_memory_limit(tmp_path, name):
    result = check_in_subprocess(tmp_path, name, BOMBS[name]())
    assert result["outcome"] == "refused", result
    assert result["message"].startswith(name), result
    assert result["seconds"] < 1.0, result


def test_a_part_that_inflates_past_what_it_declares_is_refused(tmp_path):
    """The entry declares 40 bytes and holds 200 MB: reads stop at what is declared."""
    data, method, _size, crc = deflated_zeros(200)
    bomb = build_zip(
        [
            ("[Content_Types].xml", deflated(docx_types())),
            ("word/document.xml", (data, method, 40, crc)),
        ]
    )
    result = check_in_subprocess(tmp_path, "liar.docx", bomb)
    assert result["outcome"] == "refused" and result["message"].startswith("liar.docx"), result
    assert result["seconds"] < 1.0, result


@pytest.mark.parametrize(
    "content",
    [
        cyclic_ole(),
        cyclic_ole()[:512] + struct.pack("<128I", *range(1, 128), 0xFFFFFFFE) + bytes(512 * 14),
        OLE_MAGIC + bytes(8),
    ],
    ids=["cyclic", "out-of-range", "truncated"],
)
def test_the_compound_file_walker_refuses_loops_and_damage_quickly(content):
    from evidence.checks import Malformed, ole_entry_names

    start = time.perf_counter()
    with pytest.raises(Malformed):
        ole_entry_names(content)
    assert time.perf_counter() - start < 0.5


def test_the_compound_file_walker_reads_a_good_directory():
    from evidence.checks import ole_entry_names

    assert {"root entry", "worddocument", "\x01ole10native"} <= ole_entry_names(
        ole("WordDocument", "\x01Ole10Native")
    )


# Finding 6: dangerous files -----------------------------------------------------------

JAR_AS_WORD = docx_with(("com/example/Main.class", CLASS), ("bin/payload.exe", EXE))
VBA_PROJECT = ole("VBA", "PROJECT", "_VBA_PROJECT")
DANGEROUS = {
    # A ZIP made to look like Word, carrying a Java class and a Windows program.
    "tool.jar": JAR_AS_WORD,
    "tool.docx": JAR_AS_WORD,
    # Macro-enabled Office files, and macros hidden in a file that says it has none.
    "report.docm": docx_with(("word/vbaProject.bin", VBA_PROJECT), main=DOCM_MAIN),
    "report.docx": docx_with(("word/vbaProject.bin", VBA_PROJECT)),
    "budget.xlsm": zip_of(
        [
            (
                "[Content_Types].xml",
                b'<Types><Override PartName="/xl/workbook.xml" ContentType="application/'
                b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>',
            ),
            ("xl/workbook.xml", b"<workbook/>"),
        ]
    ),
    "slides.pptm": zip_of(
        [
            (
                "[Content_Types].xml",
                b'<Types><Override PartName="/ppt/presentation.xml" ContentType="application/'
                b'vnd.ms-powerpoint.presentation.macroEnabled.main+xml"/></Types>',
            ),
            ("ppt/presentation.xml", b"<p/>"),
        ]
    ),
    # A program renamed as a picture inside a document; a packaged file (OLE object).
    "picture.docx": docx_with(("word/media/image1.png", EXE)),
    "packaged.docx": docx_with(
        ("word/embeddings/oleObject1.bin", ole("\x01Ole10Native", "\x01CompObj"))
    ),
    # A Java archive inside a document, named as a workbook.
    "nested.docx": docx_with(
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", zip_of([("Main.class", CLASS)]))
    ),
    # OpenDocument with a program, with Basic macros, with a script on an event.
    "setup.odt": zip_of(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<x/>"),
            ("setup.exe", EXE),
        ]
    ),
    "macros.ods": zip_of(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"<x/>"),
            ("Basic/Standard/Module1.xml", b"<script:module/>"),
        ]
    ),
    "event.odt": zip_of(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            (
                "content.xml",
                b"<office:document-content><office:event-listeners><script:event-listener "
                b'script:language="ooo:script" script:event-name="dom:load" xlink:href='
                b'"vnd.sun.star.script:../../../program/python-core/lib/pydoc.py$tempfilepager'
                b'(1, calc.exe)?language=Python&amp;location=share"/></office:event-listeners>'
                b"</office:document-content>",
            ),
        ]
    ),
    # Plain text under a name that runs, or markup under any name.
    "run.bat": b"@echo off\r\ndel /q C:\\*\r\n",
    "app.hta": b"<hta:application/><script>alert(1)</script>\n",
    "script.js": b"WScript.CreateObject('WScript.Shell').Run('calc');\n",
    "page.html": b"<html><body><script>alert(1)</script></body></html>\n",
    "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\n',
    "report.pdf" + " " * 40 + ".bat": b"@echo off\r\nstart calc\r\n",
    "page.txt": b"<!DOCTYPE html><html><script>alert(1)</script></html>\n",
    "drawing.csv": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "notes": b"plain text without an extension\n",
    # Office 97-2003 and password-protected Office files: refused by their magic.
    "old-policy.doc": ole("WordDocument", "SummaryInformation"),
}


@pytest.mark.parametrize("name", sorted(DANGEROUS))
def test_dangerous_files_are_refused_naming_the_file(name):
    with pytest.raises(Refused) as refused:
        inspect(SimpleUploadedFile(name, DANGEROUS[name]), max_bytes=10**6)
    assert refused.value.message.startswith(name), refused.value.message
    assert refused.value.field == "files"


def test_the_refusal_of_a_type_says_what_may_be_sent():
    with pytest.raises(Refused) as refused:
        inspect(SimpleUploadedFile("run.bat", DANGEROUS["run.bat"]), max_bytes=10**6)
    assert refused.value.message == (
        "run.bat is not a file type the portal accepts: this type of file cannot be kept as "
        "evidence. Use PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["tool.jar", "report.docm", "setup.odt", "run.bat", "notes"])
def test_a_dangerous_file_is_refused_on_the_form_and_nothing_is_kept(
    client_as, evidence_storage, name
):
    item = make_item(force="gloucestershire")
    response = client_as("liaison-officer").post(
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        {
            "text": "Evidence attached",
            "marking": "OFFICIAL",
            "files": [
                SimpleUploadedFile("fine.pdf", PDF),
                SimpleUploadedFile(name, DANGEROUS[name]),
            ],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{name} " in html or f"{name}:" in html
    assert "govuk-error-summary" in html  # on the same form, as an error
    assert Evidence.objects.count() == 0 and stored(evidence_storage) == []
    assert TimelineEntry.objects.filter(item=item).count() == 1


ALLOWED = {
    "plan.docx": docx(),
    "figures.xlsx": xlsx(),
    "slides.pptx": pptx(),
    "minutes.odt": odf("text"),
    "budget.ods": odf("spreadsheet"),
    "briefing.odp": odf("presentation"),
    "picture.docx": docx_with(("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(32))),
    "notes.txt": b"Meeting notes: 3 < 4 and <b> is just text\n",
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_what_the_inspectorate_uses_is_still_accepted(name):
    checked = inspect(SimpleUploadedFile(name, ALLOWED[name]), max_bytes=10**6)
    assert checked.name == name


# The name a file is downloaded under --------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    "name,content_type,expected",
    [
        ("tool.jar", DOCX, "tool.docx"),
        ("report.pdf" + " " * 40 + ".bat", "text/plain", "report.pdf.txt"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("minutes.PDF", "application/pdf", "minutes.PDF"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.png", "image/jpeg", "photo.jpg"),
        ("plan. . .", DOCX, "plan.docx"),
        ("data\x07.csv", "text/csv", "data.csv"),
        (".docx", DOCX, "evidence.docx"),
        ("old.doc", "application/msword", "old.doc"),
    ],
)
def test_the_extension_comes_from_the_detected_type(name, content_type, expected):
    from evidence.checks import evidence_name

    assert evidence_name(name, content_type) == expected


@pytest.mark.django_db
def test_a_word_document_sent_as_tool_jar_is_kept_and_downloaded_as_tool_docx(client_as):
    item = make_item(force="gloucestershire")
    response = client_as("liaison-officer").post(
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        {"text": "Renamed", "files": [SimpleUploadedFile("tool.jar", docx())]},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.name == "tool.docx" and evidence.content_type == DOCX
    download = client_as("inspector").get(reverse("evidence:download", args=[item.pk, evidence.pk]))
    assert download["Content-Disposition"] == (
        "attachment; filename=\"tool.docx\"; filename*=UTF-8''tool.docx"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content_type,content,expected",
    [
        ("tool.jar", DOCX, docx(), "tool.docx"),
        ("report.pdf" + " " * 40 + ".bat", "text/plain", b"text\n", "report.pdf.txt"),
        ("policy\u202efdp.exe", "application/pdf", PDF, "policyfdp.pdf"),
    ],
)
def test_files_stored_before_keep_working_and_download_under_their_type(
    client_as, people, name, content_type, content, expected
):
    """Records kept before issue 23 under the sender's name: the item page and the
    download give the name with an extension of the type that was detected."""
    import hashlib

    item = make_item(force="gloucestershire")
    old = CheckedFile(
        file=io.BytesIO(content),
        name=name,
        size=len(content),
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    services.comment_add(
        item=item,
        by=people["liaison-officer"],
        text="Stored before",
        action=Action.PROGRESS_UPDATE,
        files=[old],
    )
    evidence = Evidence.objects.get()
    client = client_as("inspector")
    download = client.get(reverse("evidence:download", args=[item.pk, evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert f'filename="{expected}"' in download["Content-Disposition"]
    page = client.get(reverse("recommendations:item", args=[item.pk])).content.decode()
    assert expected in page


# Permission first, then parsing, at every door -----------------------------------------


@pytest.fixture
def spies(monkeypatch):
    """Records every call of the checks and of Django's multipart parser. The checks
    refuse at once when called (so a regression cannot run the real parsing here)."""
    calls = []

    def refuse(label):
        def spy(*args, **kwargs):
            calls.append(label)
            raise Refused("The file was looked at")

        return spy

    for target, label in [
        (evidence.checks, "inspect"),
        (evidence.forms, "inspect"),
        (evidence.checks, "sniff"),
    ]:
        monkeypatch.setattr(target, label, refuse(f"{target.__name__}.{label}"))
    parse = MultiPartParser.parse

    def parse_spy(self):
        calls.append("multipart body parsed")
        return parse(self)

    monkeypatch.setattr(MultiPartParser, "parse", parse_spy)
    return calls


def post_files(client, url, **data):
    return client.post(url, {**data, "files": [SimpleUploadedFile("cyclic.doc", cyclic_ole())]})


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ATTACH_EVIDENCE))
def test_a_person_who_may_not_add_evidence_is_refused_before_any_file_is_read(
    client_as, people, spies, evidence_storage, action
):
    """An inspector may not post progress updates, comments or closure proposals: 403,
    without the body being parsed or any file looked at."""
    item = progressed(make_item(force="gloucestershire"), people["liaison-lead"])
    before = TimelineEntry.objects.filter(item=item).count()
    client = client_as("inspector")
    start = time.perf_counter()
    response = post_files(
        client,
        reverse("recommendations:action", args=[item.pk, action]),
        text="Not mine to add",
        reason="Not mine",
        visibility="internal",
        verified_by="documents",
    )
    assert time.perf_counter() - start < 1.0
    assert response.status_code == 403
    assert spies == []
    assert Evidence.objects.count() == 0 and stored(evidence_storage) == []
    assert TimelineEntry.objects.filter(item=item).count() == before


@pytest.mark.django_db
def test_an_item_out_of_sight_is_not_found_before_any_file_is_read(client_as, spies):
    item = make_item(force="west-midlands")
    response = post_files(
        client_as("liaison-officer"),
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        text="Not my force",
    )
    assert response.status_code == 404
    assert spies == []


@pytest.mark.django_db
def test_an_action_the_item_is_not_ready_for_is_refused_before_any_file_is_read(client_as, spies):
    """A liaison lead may propose closure, but not of an item awaiting review: 409, and
    the page says why without the files being read."""
    item = make_item(force="gloucestershire")
    response = post_files(
        client_as("liaison-lead"),
        reverse("recommendations:action", args=[item.pk, "propose-closure"]),
        reason="Met",
        verified_by="documents",
    )
    assert response.status_code == 409
    assert spies == []
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_a_permitted_person_still_has_the_files_checked(client_as, spies):
    """The spies see the checks when the person may add evidence (so the tests above
    would notice parsing)."""
    item = make_item(force="gloucestershire")
    response = post_files(
        client_as("liaison-officer"),
        reverse("recommendations:action", args=[item.pk, "progress-update"]),
        text="Mine to add",
    )
    assert response.status_code == 400
    assert "multipart body parsed" in spies and "evidence.forms.inspect" in spies
    assert "The file was looked at" in response.content.decode()


@pytest.mark.django_db
def test_the_api_takes_no_evidence_files(people, client, spies):
    """The API's progress updates are JSON only: a multipart body with a file is refused
    (415) without being parsed, and nothing is stored."""
    item = make_item(force="gloucestershire")
    _token, secret = token_services.token_create(
        user=people["liaison-officer"], name="Evidence", days=1
    )
    response = client.post(
        reverse("api:progress_updates", args=[item.pk]),
        {"text": "With a file", "files": [SimpleUploadedFile("cyclic.doc", cyclic_ole())]},
        headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"},
    )
    assert response.status_code == 415
    assert spies == []
    assert Evidence.objects.count() == 0
