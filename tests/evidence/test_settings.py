"""The production settings require a ClamAV daemon and keep evidence in S3 when a bucket
is named; evidence is never under static/ nor served from a media address."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent.parent

READ = """
import django, json
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["evidence"]
print(json.dumps({
    "backend": type(storage).__module__ + "." + type(storage).__name__,
    "bucket": getattr(storage, "bucket_name", None),
    "acl": getattr(storage, "default_acl", None),
    "clamd": [settings.CLAMD_HOST, settings.CLAMD_PORT],
}))
"""


def run_production(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAMD_", "EVIDENCE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_clamd():
    result = run_production()
    assert result.returncode != 0
    assert "CLAMD_HOST" in result.stderr


def test_production_keeps_evidence_on_disk_by_default_and_in_s3_with_a_bucket():
    local = run_production(CLAMD_HOST="clamav", CLAMD_PORT="3310")
    assert local.returncode == 0, local.stderr
    found = json.loads(local.stdout)
    assert found["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["clamd"] == ["clamav", 3310]
    s3 = run_production(CLAMD_HOST="clamav", CLAMD_PORT="3310", EVIDENCE_S3_BUCKET="force-evidence")
    assert s3.returncode == 0, s3.stderr
    found = json.loads(s3.stdout)
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert (found["bucket"], found["acl"]) == ("force-evidence", "private")


def test_evidence_is_outside_static_and_has_no_address_of_its_own():
    media = Path(settings.MEDIA_ROOT).resolve()
    for static in [Path(settings.STATIC_ROOT), *(Path(d[1]) for d in settings.STATICFILES_DIRS)]:
        assert not media.is_relative_to(static.resolve())
    for path in ("/media/evidence/ab/abc", "/evidence/ab/abc"):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        raise AssertionError(f"{path} resolves to {match.view_name}")
