"""Recording a police and crime commissioner's response: the one door for every change
to responses. It locks the force's items of the report (so two people recording at once
take turns), asks the policy once (`rules.response_refusal`: action `record-response`,
for the force's PCC office or the force itself), checks the input, and writes the
response and its answers with history in one transaction. Only a police force has a
PCC response: a national body or a PCC office as a recipient has none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from forces.models import Force
from recommendations import errors
from recommendations.models import InspectionReport, TrackedItem
from recommendations.selectors import today
from recommendations.services import Actor, history_user, save_with_history
from recommendations.services.common import clean_line
from tracker.humanise import long_date
from tracker.security import event

from .models import Answer, PccResponse, ResponseAnswer, https_only
from .rules import response_refusal


class NoResponseNeeded(errors.StateError):
    message = "This report does not need a response from the police and crime commissioner."


class NothingToAnswer(errors.StateError):
    message = "The force has no recommendations from this report, so there is nothing to record."


URL_MAX_LENGTH = PccResponse._meta.get_field("url").max_length or 500


def answer_field(item_id: int) -> str:
    """The form field (and error field) of one item's answer."""
    return f"answer_{item_id}"


@transaction.atomic
def response_record(
    *,
    report: InspectionReport,
    force: Force,
    by: Actor,
    received: dt.date,
    url: str,
    answers: Mapping[int, str],
) -> PccResponse:
    """Record (or correct) the force's PCC response to the report: the date it was
    received, the https link to it, and an answer for every one of the force's items of
    the report. Raises a DomainError naming the field that is wrong."""
    items = list(
        TrackedItem.objects.select_for_update()
        .filter(finding__report=report, force=force)
        .select_related("finding")
        .order_by("finding__kind", "finding__number", "finding_id")
    )
    refusal = response_refusal(by, force)
    if refusal is not None:
        raise refusal
    if not report.response_required or force.kind != Force.Kind.FORCE:
        raise NoResponseNeeded
    if not items:
        raise NothingToAnswer
    if received > today():
        raise errors.FutureDate("The date received must be today or in the past", field="received")
    if received < report.published:
        raise errors.DomainError(
            "The date received must be on or after the report's publication, "
            + long_date(report.published),
            field="received",
        )
    url = clean_line(url, field="url", label="the link", max_length=URL_MAX_LENGTH)
    try:
        https_only(url)
    except ValidationError:
        raise errors.DomainError(
            "Enter the link to the published response, starting with https://", field="url"
        ) from None
    known = {item.pk for item in items}
    strangers = sorted(set(answers) - known)
    if strangers:
        raise errors.DomainError(
            f"Item {strangers[0]} is not one of {force.name}'s recommendations in this report"
        )
    for item in items:
        given = answers.get(item.pk, "")
        if given not in Answer.values:
            raise errors.DomainError(
                f"Select what the response says about {item.finding.reference}",
                field=answer_field(item.pk),
            )

    response = PccResponse.objects.filter(report=report, force=force).first()
    reason = "Corrected" if response is not None else "Recorded"
    if response is None:
        response = PccResponse(report=report, force=force)
    response.received = received
    response.url = url
    response.recorded_by = history_user(by)
    save_with_history(response, by=by, reason=reason)
    stored = {a.item_id: a for a in response.answers.all()}
    for item in items:
        answer = stored.get(item.pk) or ResponseAnswer(response=response, item=item)
        if answer.pk is not None and answer.answer == answers[item.pk]:
            continue
        answer.answer = answers[item.pk]
        save_with_history(answer, by=by, reason=reason)
    event(
        "pcc-response-recorded",
        user=history_user(by),
        report=report.slug,
        force=force.slug,
        correction=reason == "Corrected",
    )
    return response
