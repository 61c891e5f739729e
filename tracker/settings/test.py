"""Settings for the test suite: real PostgreSQL and Redis, fast hashing, locmem email."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker")
# The production settings require a ClamAV daemon; tests that load them get this one
# (never contacted). The suite itself scans only where a test starts a real clamd.
os.environ.setdefault("CLAMD_HOST", "clamd.invalid")
os.environ.setdefault("CLAMD_PORT", "3310")
# Identity providers' client secrets (identity.secrets): a key for tests only.
os.environ.setdefault("IDENTITY_SECRET_KEYS", "dGVzdC1vbmx5LWlkZW50aXR5LWtleS0zMi1ieXRlcyE=")

# Under pytest-xdist (`make test` runs two workers) each worker has its own database
# (pytest-django names it test_tracker_gw0, ...) and its own Redis database, so one
# worker's Celery tasks and throttle counts are never another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and _worker[2:].isdigit():
    _redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{1 + int(_worker[2:])}"))

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite's OpenID providers (tests/identity) run on http://127.0.0.1.
IDENTITY_ALLOW_HTTP_ISSUER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The suite's administrators sign in with an authenticator app (tests/conftest.sign_in,
# the browser tests' people), so the passkey requirement is off here; the passkey tests
# (tests/*/test_passkeys.py) turn it on as production has it (base: admin).
PASSKEY_REQUIRED_ROLES = []
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True
# Tests see every change at once, and query budgets measure the uncached work.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# The rate limits and the password-check lock need a real cache: per process, emptied by
# the tests that use it.
CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# The public portal's page cache is tested as it runs: per process, emptied before each
# test (tests/conftest.py), so a page cached by one test is never another's.
CACHES["public"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "public",
}
CLAMD_HOST = ""  # scanning off unless a test starts clamd (tests/evidence/conftest.py)
CLAMD_PORT = 0
# Evidence files go to a folder of this test run's own, emptied by nobody else.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="tracker-test-media-"))
STORAGES["evidence"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT / "evidence", "base_url": None},
}
