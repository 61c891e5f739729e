"""`make run` is quiet: the security log goes to a file in development (the terminal keeps
the address, the demo logins and errors), and to standard error in production."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _logging_of(settings_module: str, env: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.LOGGING['handlers']['security']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_writes_the_security_log_to_a_file(tmp_path):
    target = tmp_path / "security.log"
    handler = _logging_of(
        "tracker.settings.dev", {"SECURITY_LOG_FILE": str(target), "DATABASE_URL": ""}
    )
    assert handler["class"] == "logging.FileHandler"
    assert handler["filename"] == str(target)


def test_production_keeps_it_on_standard_error():
    handler = _logging_of(
        "tracker.settings.production",
        {"SECRET_KEY": "x" * 60, "CLAMD_HOST": "clamd.invalid", "CLAMD_PORT": "3310"},
    )
    assert handler["class"] == "logging.StreamHandler"
