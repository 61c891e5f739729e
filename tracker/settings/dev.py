"""Settings for a developer's machine and `make run`: SQLite, console email, DEBUG on."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-not-secret")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403

# `make run` is a demo: two-factor sign-in is not required here (the sign-in page says
# so). Set MFA_REQUIRED_ROLES to try it; production requires it for every role but the
# liaison officer.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])  # noqa: F405

# SQLite has no covering indexes: the status sort's index (recommendations 0009) is a
# plain one here, which is all the demo needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
