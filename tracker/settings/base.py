"""Settings shared by every environment, read from environment variables.

Each variable is listed, with a comment, in `.env.example`.
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "pgtrigger",
    "csp",
    "tracker.app_names.SignInAttemptsConfig",  # django-axes, named for people
    "tracker",
    "forces",
    "recommendations",
    "savedsearches",
    "responses",
    "evidence",
    "engage",
    "devdata",
    "django_otp",
    "tracker.app_names.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "tracker.app_names.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "tracker.app_names.PasskeysConfig",  # django_otp_webauthn
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "monitoring",
    "identity",
    "scim",
]

MIDDLEWARE = [
    "tracker.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the address only (/cy/...: the public site's Welsh pages); every
    # other address is English (i18n_patterns' prefix_default_language=False).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tracker.middleware.NoStoreMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.middleware.SessionLimitsMiddleware",
    "tracker.middleware.TwoFactorMiddleware",
    "identity.middleware.AccessSetUpMiddleware",  # no role: "access being set up" only
    "axes.middleware.AxesMiddleware",
    "tracker.middleware.ServiceNotFoundMiddleware",  # innermost: sees the view's 404
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in with an organisation's account (OpenID Connect): only ever called by the
    # callback view with a provider; never for a username and password.
    "identity.backends.ProviderBackend",
]

# Content-Security-Policy (django-csp 4): every script and style comes from the portal
# itself; no inline scripts, no inline styles, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Permissions-Policy (django-permissions-policy): browser features the portal never
# uses are switched off for its pages and anything they might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

# The client's address (tracker.security.client_ip): the number of reverse proxies in
# front of the portal that append to X-Forwarded-For. 0 (the default): REMOTE_ADDR only,
# X-Forwarded-For is ignored. Set it only when every request comes through the proxies.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in throttling (django-axes, with tracker.security.AxesHandler): 5 failures for one
# username from one address lock that pair out for 15 minutes; 10 failures for one
# username within 15 minutes from any number of addresses lock the username out
# everywhere. A successful sign-in resets its pair; a password reset clears both locks.
AXES_FAILURE_LIMIT = 5
SIGN_IN_FAILURE_LIMIT_PER_USERNAME = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_HANDLER = "tracker.security.AxesHandler"
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
# The current password on the change-password page: 5 wrong lock it for 15 minutes.
PASSWORD_CHANGE_FAILURE_LIMIT = 5
# Password-reset requests (django-ratelimit), counted per address and per email address;
# over either limit the page looks the same but no email is sent.
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="5/h")
PASSWORD_RESET_RATE_PER_EMAIL = env("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h")
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "tracker.security.client_ip"

# Sessions: signed out after 30 minutes idle (renewed as people work, at most once a
# minute) and after 12 hours whatever happens (tracker.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_ABSOLUTE_LIMIT = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

# The portal's pages and emails are Jinja2 (templates/, with GOV.UK Frontend's macros
# from govuk-frontend-jinja: tracker/jinja2.py); Django's admin keeps Django templates.
# Jinja2's backend adds request, csrf_input and csrf_token itself.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "tracker.jinja2.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.service",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# At least 12 characters, not a common password, not like the person's name or email,
# not all digits: on every form that sets a password and in `manage.py add_user`.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "recommendations:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# The public site is in English and Welsh (/cy/monitoring/..., i18n_patterns in
# tracker/urls.py); e-mails go in each person's language (forces.LanguagePreference).
# The catalogue is locale/cy/LC_MESSAGES/django.po (docs/translating.md).
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Built CSS lives in static/build; GOV.UK Frontend and MOJ Frontend come from node_modules,
# installed from the npm registry by `make setup`, never committed.
STATICFILES_DIRS = [
    ("app", BASE_DIR / "static"),
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("moj", BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj"),
]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Three Redis roles, each with its own memory policy (issue 23), so that one filling up
# cannot break another: the Celery broker (REDIS_URL) and the throttles' counters
# (REDIS_THROTTLE_URL, by default REDIS_URL's server) on a Redis that never evicts
# (`noeviction`: a counter or a task is never silently dropped); the public pages' cache
# (REDIS_CACHE_URL) on its own Redis with `maxmemory` and `allkeys-lru`, which forgets the
# least recently used pages when full. docker-compose.yml runs the two servers.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
REDIS_THROTTLE_URL = env("REDIS_THROTTLE_URL", default="") or (
    REDIS_URL if "REDIS_URL" in os.environ else ""
)
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Publishing must never hang a user's request when Redis is down (see recommendations.tasks).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
REMINDER_SWEEP_HOUR = env.int("REMINDER_SWEEP_HOUR", default=6)

# Per-process cache for the dashboards' national figures (a minute old at most), and the
# counters of the rate limits and the password-check lock: shared by every process in
# Redis (REDIS_THROTTLE_URL, else REDIS_URL, when set), per process otherwise (the demo).
# The counters are counted atomically (cache.add + cache.incr: Redis INCR); when the
# store cannot be reached or is full, the limits refuse ("try again later") rather than
# let requests through.
_redis_options = {"socket_connect_timeout": 2, "socket_timeout": 2}
# The public monitoring portal's rendered pages, keyed by the public version
# (monitoring.cache): in their own Redis (REDIS_CACHE_URL, allkeys-lru), shared by every
# process; in this process's memory for `make run` (no Redis at all). With REDIS_URL but
# no REDIS_CACHE_URL there are several processes and no Redis that may evict: nothing is
# kept and public pages are served uncached, rather than pages filling the broker's and
# throttles' Redis, or one process serving a page another has seen change.
_public_cache: dict[str, Any]
if REDIS_CACHE_URL:
    _public_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "public",
        "OPTIONS": _redis_options,
    }
elif "REDIS_URL" in os.environ:
    _public_cache = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
else:
    _public_cache = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public",
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_THROTTLE_URL,
            "KEY_PREFIX": "throttle",
            "OPTIONS": _redis_options,
        }
        if REDIS_THROTTLE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
    "public": _public_cache,
}

STALE_AFTER_DAYS = env.int("STALE_AFTER_DAYS", default=90)
# Portal-page imports with more new entries than this are applied by the worker.
IMPORT_BACKGROUND_ENTRIES = env.int("IMPORT_BACKGROUND_ENTRIES", default=2000)
ESCALATE_AFTER_DAYS = env.int("ESCALATE_AFTER_DAYS", default=30)
# "Review overdue": an item awaiting the liaison lead's review for more than this many days.
REVIEW_OVERDUE_DAYS = env.int("REVIEW_OVERDUE_DAYS", default=30)
# A target date moved by more than this many days (or any move of an overdue item) is
# reported to the liaison lead at once and shown on the chief of staff's home page.
TARGET_DATE_ALERT_DAYS = env.int("TARGET_DATE_ALERT_DAYS", default=90)
# The portal's address for links in emails (which have no request) and exports; when
# unset, exports and downloads use the host the request came to.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="recommendation-tracker@localhost")

SERVICE_NAME = "Recommendation Tracker"

# Two-factor sign-in (django-otp): these roles must set it up before reaching anything
# else; anyone may turn it on. The issuer names the portal in authenticator apps.
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES", default=["admin", "chief-of-staff", "liaison-lead", "inspector"]
)
OTP_TOTP_ISSUER = SERVICE_NAME

# Sign-in with an organisation's account (identity/, OpenID Connect; ADR 0015). Client
# secrets are kept encrypted with the first of IDENTITY_SECRET_KEYS (Fernet keys,
# comma-separated; older keys after it while rotating). Requests to a provider time out
# after IDENTITY_HTTP_TIMEOUT seconds. A sign-in whose ID token's `amr` holds one of
# IDENTITY_MFA_AMR counts as the second factor for that session; otherwise the portal's
# own is asked as after a password. Issuers must be https (development and tests allow
# http: IDENTITY_ALLOW_HTTP_ISSUER, never read from the environment).
IDENTITY_SECRET_KEYS = env.list("IDENTITY_SECRET_KEYS", default=[])
IDENTITY_HTTP_TIMEOUT = env.float("IDENTITY_HTTP_TIMEOUT", default=5.0)
IDENTITY_MFA_AMR = env.list("IDENTITY_MFA_AMR", default=["mfa", "hwk", "otp"])
IDENTITY_ALLOW_HTTP_ISSUER = False

# Passkeys (django-otp-webauthn): a passkey is a second factor like the authenticator app
# (tracker.passkeys). These roles must sign in with one: after a code, a person in them
# who has no passkey reaches only the page that adds one. The relying party is the host
# name passkeys are bound to (changing it strands every passkey) and the origins the
# browser may report, by default both from PORTAL_BASE_URL. Passkeys never replace the
# password here (no passwordless sign-in).
PASSKEY_REQUIRED_ROLES = env.list("PASSKEY_REQUIRED_ROLES", default=["admin"])
OTP_WEBAUTHN_RP_ID = env(
    "OTP_WEBAUTHN_RP_ID", default=urlsplit(PORTAL_BASE_URL).hostname or "localhost"
)
OTP_WEBAUTHN_RP_NAME = env("OTP_WEBAUTHN_RP_NAME", default=SERVICE_NAME)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS",
    default=[PORTAL_BASE_URL.rstrip("/")] if PORTAL_BASE_URL else ["http://localhost:8000"],
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# A refused ceremony is a security-log event with its reason (tracker.passkeys), not a
# traceback in the operations log.
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object a line (python-json-logger), times in UTC: see tracker.jsonlog.
        "security": {"()": "tracker.jsonlog.SecurityLogFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "security"},
    },
    "loggers": {
        "tracker.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The REST API (api/, Django REST framework and drf-spectacular): personal bearer tokens
# only (no session, so no CSRF question), JSON in and out, errors as RFC 9457
# problem+json, cursor pagination, and throttles per token and per address counted in
# the "ratelimit" cache (Redis when REDIS_URL is set). See docs/adr/0011-rest-api.md.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests allowed per token and per client address (DRF's rate syntax: N/second,
# minute, hour or day).
API_THROTTLE_RATES = {
    "api-token": env("API_RATE_PER_TOKEN", default="600/minute"),
    "api-address": env("API_RATE_PER_ADDRESS", default="1200/minute"),
}
# A token lives at most this many days.
API_TOKEN_MAX_DAYS = 90
# The API's JSON bodies (api.parsers): larger is 413 before it is read, nested deeper is
# 400 before it is decoded. The largest real body, a 20,000-character comment, is far
# below the limit even with every character escaped.
API_MAX_BODY_BYTES = 1024 * 1024
API_MAX_JSON_DEPTH = 32
SPECTACULAR_SETTINGS = {
    "TITLE": "Recommendation Tracker API",
    "DESCRIPTION": (
        "The portal's own doors for forces' systems and analysts: the same selectors, "
        "services, policy and errors as the pages. Authenticate with "
        "`Authorization: Bearer <token>` (make a token on the API tokens page)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"PlanActionStatusEnum": "api.serializers.PLAN_STATUSES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problems_and_links",
    ],
}

# History reasons hold file names and the reasons people give: no length limit.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True  # history pages only show (see tracker.admin_mixins)

# Evidence files (evidence/): limits, retention and scanning. Files are stored through the
# `evidence` storage, under MEDIA_ROOT by default (never served: no MEDIA_URL route, not
# under static/), or in S3 when EVIDENCE_S3_BUCKET is set (production settings).
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=10)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
EVIDENCE_RETAIN_YEARS = env.int("EVIDENCE_RETAIN_YEARS", default=6)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES["evidence"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": Path(MEDIA_ROOT) / "evidence", "base_url": None},
}
# ClamAV's daemon: every file is scanned before it is stored when both are set.
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=0)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)

# SCIM 2.0 provisioning at /scim/v2/ (scim/, django-scim2; docs/scim.md): an
# organisation's identity provider creates, changes and deactivates its own people with
# the organisation's SCIM token (`create_scim_token`), and nothing else. Bodies are bounded
# as the API's (API_MAX_BODY_BYTES, API_MAX_JSON_DEPTH).
SCIM_SERVICE_PROVIDER = {
    "USER_ADAPTER": "scim.resources.ScimUser",
    "SERVICE_PROVIDER_CONFIG_MODEL": "scim.views.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "scim.views.base_location",
    "SCHEMAS_GETTER": "scim.schemas.schemas",
    "AUTH_CHECK_MIDDLEWARE": "scim.authentication.ScimTokenCheck",
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="scim"',
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "SCIM token",
            "description": (
                "The organisation's SCIM token (python manage.py create_scim_token), "
                "sent as Authorization: Bearer <token>."
            ),
            "primary": True,
        }
    ],
}
