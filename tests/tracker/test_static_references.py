"""Every image the stylesheets ask for exists: a broken icon is a 404 people see."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = [
    ROOT / "node_modules" / "@ministryofjustice" / "frontend" / "moj" / "moj-frontend.min.css",
    ROOT / "static" / "build" / "application.css",
]


def references():
    for sheet in STYLESHEETS:
        for url in re.findall(r"url\(\"?(/[^)\"]+)\"?\)", sheet.read_text()):
            yield sheet.name, url


@pytest.mark.django_db
@pytest.mark.parametrize("sheet,url", sorted(set(references())))
def test_every_url_a_stylesheet_references_is_served(sheet, url, settings):
    if not url.startswith(settings.STATIC_URL):  # the portal sends it to a static file
        response = Client().get(url)
        assert response.status_code == 301, f"{sheet} asks for {url}"
        url = response["Location"]
    assert url.startswith(settings.STATIC_URL)
    found = finders.find(url.removeprefix(settings.STATIC_URL))
    assert found, f"{sheet} asks for {url}, which no static directory has"
