"""Settings for a real deployment. SECRET_KEY and DATABASE_URL have no default here."""

import os

os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: E402,F403
from .base import env

DATABASES = {"default": env.db("DATABASE_URL")}
# Trust X-Forwarded-Proto only when a reverse proxy that sets it (and drops any the client
# sent) is the only way in: otherwise anyone could claim a plain-HTTP request was HTTPS.
if env.bool("PROXY_SETS_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container's health check asks gunicorn directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The __Host- prefix: the browser keeps these cookies only if they are Secure, have Path=/
# and no Domain, so no other host under the same domain can set or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None

# Evidence files are scanned by ClamAV's daemon before they are stored: required here.
CLAMD_HOST = env("CLAMD_HOST")
CLAMD_PORT = env.int("CLAMD_PORT")
# Evidence in S3 (django-storages) when a bucket is named; otherwise under MEDIA_ROOT
# (docker-compose keeps it in a named volume). Credentials come the usual AWS ways
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the instance's role). Objects are private
# and only ever read by the download view; no URL of the bucket is ever shown.
EVIDENCE_S3_BUCKET = env("EVIDENCE_S3_BUCKET", default="")
if EVIDENCE_S3_BUCKET:
    STORAGES["evidence"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            "region_name": env("EVIDENCE_S3_REGION", default="") or None,
            "endpoint_url": env("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
            "location": "evidence",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
