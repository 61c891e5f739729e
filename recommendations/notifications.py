"""Who hears about what: emails sent after a change commits (through Celery), each in
its recipient's language (tracker.languages.language_of; issue 30)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from forces.selectors import chiefs_of_staff_of, display_name
from tracker.base_url import absolute_url
from tracker.humanise import long_date
from tracker.languages import language_of

from . import policy
from .models import ClosureProposal, TargetDateMove, TimelineEntry, TrackedItem

# What the decider did, in words: "Cara Chief returned your proposal.", and the
# subject's "Closure returned for ...", translated when sent (gettext_noop).
DECIDED: dict[str, str] = {
    ClosureProposal.State.AUTHORISED: gettext_noop("%(decider)s authorised your proposal."),
    ClosureProposal.State.RETURNED: gettext_noop("%(decider)s returned your proposal."),
    ClosureProposal.State.WITHDRAWN: gettext_noop("%(decider)s withdrew your proposal."),
}
DECIDED_SUBJECT: dict[str, str] = {
    ClosureProposal.State.AUTHORISED: gettext_noop("Closure authorised for %(item)s"),
    ClosureProposal.State.RETURNED: gettext_noop("Closure returned for %(item)s"),
    ClosureProposal.State.WITHDRAWN: gettext_noop("Closure withdrawn for %(item)s"),
}


def item_url(item_id: int) -> str:
    return absolute_url(reverse("recommendations:item", args=[item_id]))


def chiefs_of_staff_for(region_id: int) -> list[str]:
    users = chiefs_of_staff_of(region_id).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def entry_added(entry_id: int) -> int:
    """Tell the item's liaison lead that a force logged a progress update."""
    entry = (
        TimelineEntry.objects.select_related("item__liaison_lead", "item__force", "author")
        .filter(pk=entry_id)
        .first()
    )
    lead = entry.item.liaison_lead if entry is not None else None
    if entry is None or lead is None or not lead.email or not lead.is_active:
        return 0
    visible = policy.visible_force_ids(lead)
    if visible is not None and entry.item.force_id not in visible:
        return 0  # no longer acts for the force: its internal updates stay within it
    if entry.author_id == entry.item.liaison_lead_id:
        return 0
    item = entry.item
    with translation.override(language_of(lead)):
        return send_mail(
            gettext("New update on %(item)s") % {"item": item},
            gettext("%(author)s added an update on %(date)s:")
            % {"author": entry.author_display, "date": long_date(entry.date)}
            + f"\n\n{entry.text}\n\n{item_url(item.pk)}\n",
            None,
            [lead.email],
        )


def proposal_changed(proposal_id: int) -> int:
    """An open proposal goes to the region's chiefs of staff; a decision to the proposer."""
    proposal = (
        ClosureProposal.objects.select_related("item__force", "proposed_by", "decided_by")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        return 0
    item = proposal.item
    if proposal.state == ClosureProposal.State.OPEN:
        people = list(
            chiefs_of_staff_of(item.force.region_id)
            .exclude(email="")
            .select_related("language_preference")
        )
    else:
        proposer = proposal.proposed_by
        # Nobody is told of their own change (as for updates); a person needs an address.
        mine = proposal.decided_by_id == proposer.pk
        people = [proposer] if proposer.email and not mine else []
    # One message per language, each to the people who read it.
    by_language: dict[str, set[str]] = {}
    for person in people:
        by_language.setdefault(language_of(person), set()).add(person.email)
    sent = 0
    for language, emails in sorted(by_language.items()):
        with translation.override(language):
            subject, body = _proposal_words(proposal)
            sent += send_mail(subject, body + item_url(item.pk) + "\n", None, sorted(emails))
    return sent


def _proposal_words(proposal: ClosureProposal) -> tuple[str, str]:
    """The notice's subject and body, in the active language."""
    item = proposal.item
    if proposal.state == ClosureProposal.State.OPEN:
        subject = gettext("Closure proposed for %(item)s") % {"item": item}
        body = gettext("%(person)s proposes closure:") % {
            "person": display_name(proposal.proposed_by)
        }
        return subject, f"{body}\n\n{proposal.reason}\n\n"
    state = proposal.get_state_display().lower()
    subject = gettext(DECIDED_SUBJECT.get(proposal.state, "Closure %(state)s for %(item)s")) % {
        "item": item,
        "state": state,
    }
    decider = display_name(proposal.decided_by) if proposal.decided_by else gettext("Someone")
    words = gettext(DECIDED.get(proposal.state, "%(decider)s decided your proposal.")) % {
        "decider": decider
    }
    body = f"{words} {proposal.decision_reason}".rstrip()
    return subject, body + "\n\n"


def target_date_moved(move_id: int) -> int:
    """Tell the item's liaison lead at once of a target date move that
    services.items.move_alerts reports: a large one, one of an overdue item, or a date
    taken away. Not the person who moved it, and not a lead who no longer acts for the
    item's force."""
    move = (
        TargetDateMove.objects.select_related("item__liaison_lead", "item__force", "item__finding")
        .filter(pk=move_id)
        .first()
    )
    item = move.item if move is not None else None
    lead = item.liaison_lead if item is not None else None
    if move is None or item is None or lead is None or not lead.email or not lead.is_active:
        return 0
    visible = policy.visible_force_ids(lead)
    if visible is not None and item.force_id not in visible:
        return 0
    if move.moved_by_id == lead.pk:
        return 0
    with translation.override(language_of(lead)):
        return _send_move(move, item, lead)


def _send_move(move: TargetDateMove, item: TrackedItem, lead: Any) -> int:
    days = move.days
    why = []
    if move.was_overdue:
        why.append(gettext("the item was overdue"))
    if move.new_date is None:
        why.append(gettext("the target date was taken away"))
    elif days > settings.TARGET_DATE_ALERT_DAYS:
        why.append(
            gettext("it moved by more than %(days)s days")
            % {"days": settings.TARGET_DATE_ALERT_DAYS}
        )
    context = {
        "lead": display_name(lead),
        "item": str(item),
        "move": move,
        "who": move.moved_by_name or gettext("Someone"),
        "old": _day(move.old_date),
        "new": _day(move.new_date),
        "days": days,
        "why": f" {gettext('and')} ".join(why),
        "moves": item.target_date_moves,
        "first": _day(item.first_target_date),
        "url": item_url(item.pk),
    }
    return send_mail(
        gettext("Target date moved for %(item)s") % {"item": item},
        render_to_string("emails/target_date_moved.txt", context),
        None,
        [lead.email],
    )


def _day(on: dt.date | None) -> str:
    return long_date(on) if on is not None else ""
