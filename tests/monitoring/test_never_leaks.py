"""Nothing internal ever reaches the public site (issue 15, "Never leaks").

An anonymous crawler follows every link under /monitoring/, every filter value, both
data files and every portal-page download, after internal entries and an owner name
carrying unique markers were written: none appears anywhere, while a public comment's
marker appears on its item page."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from recommendations import services
from recommendations.models import ClosureProposal, Status, TimelineEntry
from recommendations.policy import Action
from tests.conftest import progressed
from tests.factories import make_item

ROOT = Path(__file__).resolve().parents[2]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.selects: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and a.get("value"):
            self.selects.setdefault(self._select, []).append(a["value"] or "")
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name"):
            self.checkboxes.setdefault(a["name"] or "", []).append(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


ROOTS = ("/monitoring/", "/cy/monitoring/")  # the public site in English and in Welsh


def crawl(client: Client) -> dict[str, str]:
    """Every page under /monitoring/ and /cy/monitoring/ (and the redirects into them)
    an anonymous visitor can reach from either by links (the language toggle among
    them) and filter values: {url: body}. Every link must work (200)."""
    seen: dict[str, str] = {}
    queue = [f"{root}{name}" for root in ROOTS for name in ("", "data.csv", "data.json")]
    while queue:
        address = queue.pop()
        if address in seen:
            continue
        response = client.get(address, follow=True)
        assert response.status_code == 200, (address, response.status_code)
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]  # a streamed response
            if response.streaming
            else response.content
        ).decode()
        seen[address] = body
        if "html" not in response["Content-Type"]:
            continue
        parser = _Links()
        parser.feed(body)
        found = list(parser.links)
        path = urlsplit(address).path
        if path in ROOTS and "?" not in address:
            for name, values in {**parser.selects, **parser.checkboxes}.items():
                found += [f"{path}?{name}={value}" for value in values]
        for href in found:
            target = urljoin("http://testserver" + address, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc != "testserver" or not parts.path.startswith(ROOTS):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.django_db
def test_the_whole_public_site_shows_no_internal_marker(people, make_user):
    lead = people["liaison-lead"]
    officer = people["liaison-officer"]
    chief = people["chief-of-staff"]
    for n, person in enumerate((lead, officer, chief)):
        person.last_name = f"AUTHOR-MARKER-{n}"
        person.save()
    item = make_item(force="gloucestershire", lead=lead)
    other = make_item(force="gloucestershire", lead=lead)
    make_item(force="west-midlands", finding=item.finding)  # "in every force" has two
    progressed(item, lead)
    progressed(other, lead)
    services.comment_add(
        item=item, by=lead, text="Internal note INTERNAL-MARKER-1", visibility="internal"
    )
    services.comment_add(
        item=item, by=officer, text="Draft INTERNAL-MARKER-2", action=Action.PROGRESS_UPDATE
    )
    services.owner_set(
        item=item,
        by=officer,
        version=item.__class__.objects.get(pk=item.pk).version,
        owner_name="DS INTERNAL-MARKER-3",
        owner_rank="",
        owner_department="",
        target_date=None,
    )
    services.closure_propose(
        item=other, by=lead, reason="Done INTERNAL-MARKER-4", verified_by="documents"
    )
    services.closure_return(item=other, by=chief, reason="Not yet INTERNAL-MARKER-5")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.checks import inspect

    evidence = inspect(
        SimpleUploadedFile("EVIDENCE-MARKER-7.pdf", b"%PDF-1.4\n%%EOF\n"), max_bytes=10**6
    )
    services.comment_add(
        item=item,
        by=lead,
        text="Published PUBLIC-MARKER-6",
        visibility="public",
        files=[evidence],
        marking="OFFICIAL-SENSITIVE",
    )
    assert ClosureProposal.objects.filter(state="returned").count() == 1
    assert TimelineEntry.objects.filter(text__contains="INTERNAL-MARKER").count() >= 4

    pages = crawl(Client())

    for root in ROOTS:  # both languages, every page
        item_page = f"{root}gloucestershire/{item.portal_id}/"
        assert item_page in pages
        assert f"{item_page}portal-page.txt" in pages
        assert f"{root}gloucestershire/" in pages
        assert f"{root}findings/{item.finding_id}/" in pages  # this finding in every force
        assert any(a.startswith(f"{root}?status=") for a in pages)  # filter values
        assert "PUBLIC-MARKER-6" in pages[item_page]
        assert "PUBLIC-MARKER-6" in pages[f"{item_page}portal-page.txt"]
    # The Welsh page shows the English comment (no Welsh yet) marked as English.
    assert '<div lang="en">' in pages[f"/cy/monitoring/gloucestershire/{item.portal_id}/"]
    for address, body in pages.items():
        assert "INTERNAL-MARKER" not in body, address
        assert "AUTHOR-MARKER" not in body, address  # no author is ever named
        assert "EVIDENCE-MARKER" not in body, address  # evidence is never public
        assert "OFFICIAL" not in body, address
    # A search for an internal comment's words finds nothing, although the items'
    # search document holds them.
    found = Client().get("/monitoring/", {"q": "INTERNAL-MARKER-1"})
    assert found.context["page"].paginator.count == 0


def test_no_public_view_imports_the_internal_selectors():
    """One selector decides what is public: the public app reads items and entries only
    through monitoring.selectors."""
    for path in sorted((ROOT / "monitoring").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = {a.name for a in node.names}
                assert module != "recommendations.selectors", path.name
                assert not (module == "recommendations" and "selectors" in names), path.name
            elif isinstance(node, ast.Import):
                assert all(a.name != "recommendations.selectors" for a in node.names), path.name
    views = (ROOT / "monitoring" / "views.py").read_text()
    assert "TimelineEntry" not in views  # entries only through public_timeline
    assert not re.search(r"\.timeline\b", views)


def test_public_templates_show_no_internal_field():
    for path in (ROOT / "templates" / "monitoring").glob("*.html"):
        text = path.read_text()
        for word in ("owner", "author", "liaison_lead", "target_date", "evidence", "proposal"):
            assert word not in text, (path.name, word)


@pytest.mark.django_db
def test_status_entries_are_public_and_public_timeline_keeps_only_public(people):
    lead = people["liaison-lead"]
    item = make_item(force="gloucestershire", lead=lead)
    progressed(item, lead)
    services.comment_add(item=item, by=lead, text="secret", visibility="internal")
    from monitoring.selectors import public_timeline

    timeline = public_timeline(item)
    assert [e["status"] for e in timeline] == [Status.BEING_PROGRESSED, Status.AWAITING_REVIEW]
    assert all(e["text"] != "secret" for e in timeline)
