"""Who may record a police force's PCC response to a report: the policy's one answer
(`policy.refusal`, action `record-response`), asked of the right recipient.

The response is the police force's (one per report and police force), but the people who
write it act for the force's police and crime commissioner's office, a recipient of its
own (`Force.police_force`): a PCC office (`pcc-office`, scope its office) is asked about
its office, liaison leads and administrators (the inspectorate, tracking responses)
about the police force itself. Liaison officers do not hold `record_response`: the
force does not write its PCC's response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recommendations import errors, policy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from forces.models import Force


def response_refusal(
    user: User | policy.CommandLine, force: Force
) -> type[errors.DomainError] | None:
    """None when `user` may record `force`'s PCC response, otherwise the policy's
    refusal. Only a police force has a PCC response (NoResponseNeeded otherwise is the
    service's to say)."""
    refusal = policy.refusal(user, policy.Action.RECORD_RESPONSE, force)
    if refusal is not errors.OutsideScope or isinstance(user, policy.CommandLine):
        return refusal
    if force.pk in policy.served_force_ids(user):
        # The PCC office of this force: the policy asked of the office it acts for.
        office_id = _office_id(force)
        if office_id is not None:
            return policy.refusal(user, policy.Action.RECORD_RESPONSE, office_id)
    return refusal


def may_record(user: User, force: Force) -> bool:
    return response_refusal(user, force) is None


def _office_id(force: Force) -> int | None:
    from forces.models import Force

    return Force.objects.filter(police_force=force).values_list("pk", flat=True).first()
