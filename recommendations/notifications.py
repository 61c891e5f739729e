"""Who hears about what: emails sent after a change commits (through Celery)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from forces.selectors import chiefs_of_staff_of, display_name
from tracker.base_url import absolute_url

from . import policy
from .models import ClosureProposal, TargetDateMove, TimelineEntry

# What the decider did, in words: "Cara Chief returned your proposal."
DECIDED: dict[str, str] = {
    ClosureProposal.State.AUTHORISED: "authorised",
    ClosureProposal.State.RETURNED: "returned",
    ClosureProposal.State.WITHDRAWN: "withdrew",
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
    return send_mail(
        f"New update on {item}",
        f"{entry.author_display} added an update on {entry.date:%-d %B %Y}:\n\n{entry.text}\n\n"
        f"{item_url(item.pk)}\n",
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
        recipients = chiefs_of_staff_for(item.force.region_id)
        subject = f"Closure proposed for {item}"
        body = f"{display_name(proposal.proposed_by)} proposes closure:\n\n{proposal.reason}\n\n"
    else:
        proposer = proposal.proposed_by
        # Nobody is told of their own change (as for updates); a person needs an address.
        mine = proposal.decided_by_id == proposer.pk
        recipients = [proposer.email] if proposer.email and not mine else []
        subject = f"Closure {proposal.get_state_display().lower()} for {item}"
        verb = DECIDED.get(proposal.state, proposal.get_state_display().lower())
        decider = display_name(proposal.decided_by) if proposal.decided_by else "Someone"
        body = f"{decider} {verb} your proposal. {proposal.decision_reason}".rstrip()
        body += "\n\n"
    if not recipients:
        return 0
    return send_mail(subject, body + item_url(item.pk) + "\n", None, recipients)


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
    days = move.days
    why = []
    if move.was_overdue:
        why.append("the item was overdue")
    if move.new_date is None:
        why.append("the target date was taken away")
    elif days > settings.TARGET_DATE_ALERT_DAYS:
        why.append(f"it moved by more than {settings.TARGET_DATE_ALERT_DAYS} days")
    context = {
        "lead": display_name(lead),
        "item": str(item),
        "move": move,
        "who": move.moved_by_name or "Someone",
        "old": _day(move.old_date),
        "new": _day(move.new_date),
        "days": days,
        "why": " and ".join(why),
        "moves": item.target_date_moves,
        "first": _day(item.first_target_date),
        "url": item_url(item.pk),
    }
    return send_mail(
        f"Target date moved for {item}",
        render_to_string("emails/target_date_moved.txt", context),
        None,
        [lead.email],
    )


def _day(on: dt.date | None) -> str:
    return f"{on.day} {on:%B %Y}" if on is not None else ""
