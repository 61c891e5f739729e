"""What a chief of staff sees to decide a closure proposal, and a liaison lead to propose
one: the proposal (reason, verification method), the item's evidence files with links,
what changed since it was proposed (services.closure.changes_since_proposed, with the
files each change brought), and the next proposal to decide. The item's page, its
action pages and the bulk check page read it; a fixed number of queries however many
items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse

from evidence.models import Evidence
from evidence.selectors import evidence_of_item

from .. import policy
from ..models import ClosureProposal, TrackedItem
from ..policy import Action
from ..selectors import items_visible_to
from ..services.closure import changes_since_proposed

DECISIONS = (Action.AUTHORISE_CLOSURE.value, Action.RETURN_CLOSURE.value)
# A chief's "Save and go to the next proposal" button sends then=next.
THEN_NEXT = "next"


@dataclass
class ChangeRow:
    line: str
    files: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ProposalView:
    """One proposal as a decider sees it."""

    proposal: ClosureProposal
    evidence: list[dict[str, Any]]
    changes: list[ChangeRow]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def evidence_by_item(item_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The files of each item (not removed), oldest first, with their download links:
    one query."""
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in item_ids}
    rows = (
        Evidence.objects.filter(item_id__in=list(item_ids), removed_at__isnull=True)
        .order_by("uploaded_at", "id")
        .values_list("id", "item_id", "entry_id", "name", "marking", "uploaded_at")
    )
    for pk, item_id, entry_id, name, marking, uploaded_at in rows:
        found[item_id].append(
            {
                "id": pk,
                "entry_id": entry_id,
                "name": name,
                "marking": marking,
                "uploaded_at": uploaded_at,
                "url": reverse("evidence:download", args=[item_id, pk]),
            }
        )
    return found


def proposal_views(proposals: Sequence[ClosureProposal]) -> dict[int, ProposalView]:
    """Each open proposal with its item's evidence and what changed since, by item id:
    four queries, however many proposals (the proposer read with the proposals)."""
    proposals = list(proposals)
    if not proposals:
        return {}
    evidence = evidence_by_item([p.item_id for p in proposals])
    changes = changes_since_proposed(proposals)
    views = {}
    for proposal in proposals:
        files = evidence[proposal.item_id]
        rows = [
            ChangeRow(
                change.line,
                [
                    {"name": f["name"], "url": f["url"]}
                    for f in files
                    if change.entry_id is not None and f["entry_id"] == change.entry_id
                ],
            )
            for change in changes[proposal.pk]
        ]
        views[proposal.item_id] = ProposalView(proposal, files, rows)
    return views


def open_proposals(items: Sequence[TrackedItem]) -> dict[int, ProposalView]:
    """proposal_views for the open proposals of `items` (read in one query)."""
    proposals = ClosureProposal.objects.filter(
        item_id__in=[i.pk for i in items], state=ClosureProposal.State.OPEN
    ).select_related("proposed_by")
    return proposal_views(list(proposals))


def action_context(item: TrackedItem, action: str) -> dict[str, Any]:
    """What an action page shows beside its form: for a decision, the open proposal as
    the decider sees it (`decision`); for proposing closure, the finding's text and the
    item's evidence (`evidence`)."""
    if action in DECISIONS:
        found = open_proposals([item]).get(item.pk)
        return {"decision": found}
    if action == Action.PROPOSE_CLOSURE:
        return {"evidence_files": evidence_of_item(item.pk)}
    return {}


def next_proposal(user: User, *, after: TrackedItem | None = None) -> TrackedItem | None:
    """The oldest open proposal this person may decide now (never their own, within
    their region), other than `after`'s: its item, or None."""
    candidates = (
        ClosureProposal.objects.filter(
            state=ClosureProposal.State.OPEN, item__in=items_visible_to(user)
        )
        .exclude(proposed_by=user)
        .select_related("item")
        .order_by("proposed_at", "id")
    )
    if after is not None:
        candidates = candidates.exclude(item_id=after.pk)
    for proposal in candidates[:50]:
        refused = policy.refusal(user, Action.AUTHORISE_CLOSURE, proposal.item, proposal=proposal)
        if refused is None:
            return proposal.item
    return None
