"""The production settings keep the 30-minute idle timeout and the 12-hour absolute limit,
with secure cookies; the timeout warning people see is told the same idle timeout."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "tracker" / "settings" / "production.py"

# Loads the production settings module (from `source`, normally production.py itself,
# under its real name so its relative imports work) and prints what the tests check.
READ_SETTINGS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("tracker.settings.production", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)

import django
from django.conf import settings
django.setup()
from tracker.context_processors import service

names = [
    "SESSION_COOKIE_AGE", "SESSION_ABSOLUTE_LIMIT", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "DEBUG", "ALLOWED_HOSTS",
]
found = {name: getattr(settings, name, None) for name in names}
found["session_timeout"] = service(None)["session_timeout"]
print(json.dumps(found))
"""


def production_settings(source: Path = PRODUCTION) -> dict[str, object]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SESSION_COOKIE_AGE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        ALLOWED_HOSTS="tracker.example.org",
    )
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, str(source)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def check_production(found: dict[str, object]) -> None:
    assert found["SESSION_COOKIE_AGE"] == 30 * 60  # idle timeout
    assert found["SESSION_ABSOLUTE_LIMIT"] == 12 * 3600
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert found["DEBUG"] is False
    assert found["ALLOWED_HOSTS"] == ["tracker.example.org"]
    # The warning's countdown comes from the same setting as the idle timeout.
    assert found["session_timeout"] == found["SESSION_COOKIE_AGE"]


def test_production_keeps_the_30_minute_idle_timeout_and_secure_cookies():
    check_production(production_settings())


def test_the_check_catches_production_overriding_the_idle_timeout(tmp_path):
    # The regression this guards against: production.py once set a 12-hour cookie age.
    overridden = tmp_path / "production.py"
    overridden.write_text(PRODUCTION.read_text() + "\nSESSION_COOKIE_AGE = 12 * 60 * 60\n")
    with pytest.raises(AssertionError):
        check_production(production_settings(overridden))


def timeout_on_page(client: Client) -> int:
    html = client.get("/").content.decode()
    found = re.findall(r'id="session-timeout"[^>]*\sdata-timeout="(\d+)"', html)
    assert len(found) == 1, "the page has one timeout warning"
    return int(found[0])


@pytest.mark.django_db
def test_the_timeout_warning_on_the_page_is_the_idle_timeout(client_as, settings):
    client = client_as("inspector")
    assert timeout_on_page(client) == settings.SESSION_COOKIE_AGE == 30 * 60
    settings.SESSION_COOKIE_AGE = 10 * 60  # read from the setting, not written in the page
    assert timeout_on_page(client) == 10 * 60


@pytest.mark.django_db
def test_the_timeout_script_reads_the_pages_value():
    script = (ROOT / "static" / "js" / "session-timeout.mjs").read_text()
    assert "box.dataset.timeout" in script
    assert 'getElementById("session-timeout")' in script
