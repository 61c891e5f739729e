"""Settings for a developer's machine and `make run`: SQLite, console email, DEBUG on."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-not-secret")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Identity providers' client secrets (identity.secrets): a key for the demo only.
os.environ.setdefault("IDENTITY_SECRET_KEYS", "ZGV2LW9ubHktaWRlbnRpdHkta2V5LW5vdC1zZWNyZXQ=")

from .base import *  # noqa: E402,F403

# `make run` is a demo: two-factor sign-in is not required here (the sign-in page says
# so). Set MFA_REQUIRED_ROLES to try it; production requires it for every role but the
# liaison officer.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])  # noqa: F405
# Nor a passkey for administrators (production requires one). Passkeys work in the demo
# at http://localhost:8000 (a browser refuses them on an IP address such as 127.0.0.1).
PASSKEY_REQUIRED_ROLES = env.list("PASSKEY_REQUIRED_ROLES", default=[])  # noqa: F405

# SQLite has no covering indexes: the status sort's index (recommendations 0009) is a
# plain one here, which is all the demo needs.
# A provider on this machine may run on http (identity.providers).
IDENTITY_ALLOW_HTTP_ISSUER = True

SILENCED_SYSTEM_CHECKS = ["models.W040"]

# `make run` is quiet: the security log (one JSON line per sign-in, change and refusal)
# goes to a file beside the code rather than the terminal, which keeps the address, the
# demo logins and errors. Production keeps it on standard error (base settings).
SECURITY_LOG_FILE = env("SECURITY_LOG_FILE", default=str(BASE_DIR / "security.log"))  # noqa: F405
LOGGING["handlers"]["security"] = {  # noqa: F405
    "class": "logging.FileHandler",
    "filename": SECURITY_LOG_FILE,
    "formatter": "security",
}
