"""The user guide's example addresses return rows on the demo data, as they promise (a
newcomer trying the README's example once got "0 items")."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r"^    (/recommendations/\?\S+)$", re.M)

pytestmark = pytest.mark.django_db


def test_the_guides_example_lists_return_rows_on_the_demo_data(django_user_model):
    examples = EXAMPLE.findall((ROOT / "docs" / "user-guide.md").read_text())
    assert examples, "the guide shows example addresses"
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = sign_in(Client(), django_user_model.objects.get(username="inspector"))
    for url in examples:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = response.context["page"].paginator.count
        assert rows > 0, url
