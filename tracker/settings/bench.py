"""Production settings served over plain HTTP on loopback, for `make bench` only."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
# Production requires a virus scanner's address; the benchmark uploads nothing.
os.environ.setdefault("CLAMD_HOST", "127.0.0.1")
os.environ.setdefault("CLAMD_PORT", "3310")

from .production import *  # noqa: E402,F403
from .production import BASE_DIR, STORAGES

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = BASE_DIR / "static" / "build"  # exists; the benchmark fetches no assets
AXES_ENABLED = False  # the benchmark signs in many times from one address
MFA_REQUIRED_ROLES = []  # it measures pages, not the two-factor step
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
API_THROTTLE_RATES = {"api-token": None, "api-address": None}  # it measures the API, not its limits
