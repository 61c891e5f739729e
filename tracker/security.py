"""The security log: sign-ins, failed sign-ins, lockouts, refused access and closure
authorisations, each with the user, the address and the time in UTC. Passwords, tokens
and session keys are never logged: only the names below are written."""

import logging
import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

log = logging.getLogger("tracker.security")


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


def event(
    name: str, *, request: HttpRequest | None = None, user: Any = None, **fields: object
) -> None:
    """Write one security event as key=value pairs."""
    who = (
        getattr(user, "username", None)
        or getattr(getattr(request, "user", None), "username", None)
        or "-"
    )
    extra = " ".join(f"{k}={v}" for k, v in fields.items())
    log.info("event=%s user=%s ip=%s %s", name, who, client_ip(request), extra)


@receiver(user_logged_in)
def _signed_in(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    from tracker.middleware import SIGNED_IN_AT

    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
    event("sign-in", request=request, user=user)


@receiver(user_logged_out)
def _signed_out(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    event("sign-out", request=request, user=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
) -> None:
    # credentials holds the password too: only the username is taken from it.
    log.info(
        "event=sign-in-failed user=%s ip=%s", credentials.get("username", "-"), client_ip(request)
    )
