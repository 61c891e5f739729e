"""The one sender of the emails a person gets about their own account (a password
changed; two-factor sign-in set up, used or reset): "Hello <name>, <what happened> on
<when> (UK time). <what to do if it was not them>". Nothing is sent to an account with
no email address, and a mail server that fails is logged, never the person's problem:
the change they made stands.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from .humanise import long_datetime
from .languages import language_of
from .names import display_name

ops_log = logging.getLogger("tracker.operations")

NOT_YOU = gettext_lazy(
    "If this was you, you need do nothing. If it was not, reset your password "
    "and tell your administrator now."
)


def account_notice(user: Any, what: Any, *, subject: Any = None, advice: Any = NOT_YOU) -> bool:
    """Email `user` that `what` happened to their account just now; the subject is
    "<service>: <what>" unless given. True when the email went to the mail server.
    Written in the person's language (`tracker.languages`): `what`, `subject` and
    `advice` are lazy translations (`gettext_lazy`, `format_lazy`), read here."""
    if not user.email:
        return False
    with translation.override(language_of(user)):
        what, advice = str(what), str(advice)
        subject = str(subject) if subject is not None else None
        body = (
            gettext("Hello %(name)s,") % {"name": display_name(user)}
            + "\n\n"
            + gettext("%(what)s on %(when)s (UK time).")
            % {"what": what, "when": long_datetime(timezone.now())}
            + f"\n\n{advice}\n"
        )
    try:
        send_mail(subject or f"{settings.SERVICE_NAME}: {what}", body, None, [user.email])
    except Exception:  # any mail backend's failure: logged, the change stands
        ops_log.exception("account email not sent: %s", subject or what)
        return False
    return True
