"""Bulk actions: the same action on several items, each through the same service as the
item's own form, each in its own transaction, so a refused item never undoes the others.

One address, `/bulk/`, takes the steps as POSTs (the selection travels in the form, so
nothing is kept between steps but what the person sends back, and every step checks it
again): choose an action that the person may take on every selected item, give its
details, check what will happen to each item, confirm. The outcome of each item (done,
or refused with the domain error's own message) is kept in the session and shown at
`/bulk/result/` (post, redirect, get: reloading the result does not apply it again).

Nothing ticked is an error where the items are ticked: the page the selection came from
sends its items (`page_item`), and the error comes back with them to tick, the action
chosen kept. Deciding closure proposals, the check page shows each proposal as the
decision page does (views.decisions: reason, verification, evidence, and what changed
since it was proposed, with "I have read the changes" when anything did).

At most BULK_MAX_ITEMS items at once (a page of the list is 50): applied in the request,
they finish well within 10 seconds (benchmarks/run.py measures 200).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tracker.refusals import shows_refusals
from tracker.security import event

from .. import actions, errors, policy
from ..models import ClosureProposal, TrackedItem
from ..policy import Action
from ..selectors import items_visible_to, open_proposal
from . import decisions
from .common import AuthenticatedHttpRequest

BULK_MAX_ITEMS = 200
RESULT_KEY = "bulk_result"
NONE_SELECTED = "Select at least one item"


def _bulk(action: Action) -> actions.BulkSpec:
    bulk = actions.REGISTRY[action].bulk
    assert bulk is not None  # actions.BULK holds only actions with a bulk entry
    return bulk


def may_bulk(user: User) -> bool:
    """Whether the person has any bulk action at all (the list shows checkboxes then)."""
    return any(actions.offered(user, a) for a in actions.BULK)


class _Selection:
    """The selected items, each checked against the person's scope (404 outside it)."""

    def __init__(self, request: AuthenticatedHttpRequest) -> None:
        post = request.POST
        raw = post.getlist("item")
        if post.get("all_on_page") == "yes":
            raw += post.getlist("page_item")
        self.error = ""
        try:
            ids = list(dict.fromkeys(int(v) for v in raw))
        except ValueError:
            ids = []
            self.error = "The selection is not a list of item numbers. Select the items again."
        if not ids and not self.error:
            self.error = NONE_SELECTED
        if len(ids) > BULK_MAX_ITEMS:
            self.error = f"Select at most {BULK_MAX_ITEMS} items at once; you selected {len(ids):,}"
            ids = []
        found = {
            i.pk: i
            for i in items_visible_to(request.user)
            .filter(pk__in=ids)
            .select_related("force", "finding__report", "status")
            .defer("search", "finding__text", "finding__cause_of_concern")
            .prefetch_related(
                Prefetch(
                    "proposals",
                    queryset=ClosureProposal.objects.filter(
                        state=ClosureProposal.State.OPEN
                    ).select_related("proposed_by"),
                    to_attr="all_proposals",
                )
            )
        }
        if len(found) != len(ids):
            raise Http404("No such item")
        self.items = [found[pk] for pk in ids]
        self.user = request.user
        # Nothing ticked: the items of the page the selection came from, to tick here.
        self.page_items: list[TrackedItem] = []
        if self.error == NONE_SELECTED:
            page_ids = [
                int(v)
                for v in post.getlist("page_item")[:BULK_MAX_ITEMS]
                if v.isascii() and v.isdigit() and len(v) <= 12
            ]
            on_page = {
                i.pk: i
                for i in items_visible_to(request.user)
                .filter(pk__in=page_ids)
                .select_related("force", "finding__report")
                .defer("search", "finding__text", "finding__cause_of_concern")
            }
            self.page_items = [on_page[pk] for pk in dict.fromkeys(page_ids) if pk in on_page]
        nxt = post.get("next", "")
        safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
        self.next = nxt if nxt and safe else reverse("recommendations:list")

    def refusal(self, action: str, item: TrackedItem) -> str:
        error = policy.refusal(self.user, action, item, proposal=open_proposal(item))
        return error.message if error is not None else ""

    def allowed_on_every(self) -> list[tuple[str, str]]:
        return [
            (name.value, _bulk(name).label)
            for name in actions.BULK
            if self.items and all(not self.refusal(name, i) for i in self.items)
        ]

    def partly_allowed(self) -> list[tuple[str, int]]:
        """Actions the person may take on some, not all, of the selected items."""
        counts = []
        for name in actions.BULK:
            n = sum(1 for i in self.items if not self.refusal(name, i))
            if 0 < n < len(self.items):
                counts.append((_bulk(name).label, n))
        return counts


def _page(
    request: AuthenticatedHttpRequest,
    template: str,
    selection: _Selection,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        f"recommendations/{template}",
        {"selection": selection, "items": selection.items, "next": selection.next, **context},
        status=status,
    )


def _versions(request: AuthenticatedHttpRequest) -> dict[int, int]:
    versions = {}
    for pair in request.POST.getlist("version"):
        pk, _, version = pair.partition(":")
        if pk.isdigit() and version.isdigit():
            versions[int(pk)] = int(version)
    return versions


@require_POST
@shows_refusals
def bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    selection = _Selection(request)
    if selection.error:
        # The error where the selection is made: the page's items to tick, with the
        # action already chosen (the home page's buttons choose it) kept.
        chosen_first = actions.spec(request.POST.get("action", ""))
        return _page(
            request,
            "bulk_choose.html",
            selection,
            status=400,
            error=selection.error,
            page_items=selection.page_items,
            action=chosen_first.action.value
            if chosen_first is not None and chosen_first.action in actions.BULK
            else "",
            step=request.POST.get("step", "choose")
            if request.POST.get("step") in ("choose", "details")
            else "choose",
        )
    action = request.POST.get("action", "")
    step = request.POST.get("step", "choose")
    chosen = actions.spec(action)
    if chosen is not None and chosen.action not in actions.BULK:
        chosen = None
    if step in ("check", "confirm") and chosen is not None:
        # Chosen already: each item's own refusal is shown on the check page, and at
        # confirmation the service decides for each item as things are then.
        if not actions.offered(request.user, action):
            raise errors.NotPermitted()
        allowed = [(action, _bulk(chosen.action).label)]
    else:
        allowed = selection.allowed_on_every()
    if action not in dict(allowed):
        error = ""
        if action:
            label = _bulk(chosen.action).label if chosen is not None else action
            error = f"You cannot do “{label}” to every selected item. Choose another action."
        elif step != "choose":
            error = "Choose what to do to the selected items"
        return _page(
            request,
            "bulk_choose.html",
            selection,
            status=400 if error else 200,
            allowed=allowed,
            partly=selection.partly_allowed(),
            error=error,
        )
    assert chosen is not None  # `action` is one of `allowed`, all bulk actions
    spec = _bulk(chosen.action)
    if step in ("choose", "details"):
        return _page(
            request, "bulk_details.html", selection, action=action, spec=spec, form=spec.form()
        )
    form = spec.form(request.POST)
    if not form.is_valid():
        return _page(
            request,
            "bulk_details.html",
            selection,
            status=400,
            action=action,
            spec=spec,
            form=form,
        )
    if step != "confirm":
        checks = [(i, selection.refusal(action, i)) for i in selection.items]
        carried = [
            (key, value)
            for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "step", "version", "changes_read")
            for value in values
        ]
        # A decision is made with each proposal in view: its reason, how it was verified,
        # the item's evidence and what changed since it was proposed (a fixed number of
        # queries, however many items).
        proposals = (
            decisions.proposal_views(
                [p for i in selection.items if (p := open_proposal(i)) is not None]
            )
            if action in decisions.DECISIONS
            else {}
        )
        return _page(
            request,
            "bulk_check.html",
            selection,
            action=action,
            spec=spec,
            form=form,
            checks=checks,
            refused=sum(1 for _, why in checks if why),
            carried=carried,
            proposals=proposals,
            changed=sum(1 for view in proposals.values() if view.changed),
            asks_changes_read=action == Action.AUTHORISE_CLOSURE,
        )
    versions = _versions(request)
    outcomes = []
    for item in selection.items:
        try:
            with transaction.atomic():
                chosen.run(
                    request.user,
                    item,
                    {**form.cleaned_data, "version": versions.get(item.pk, item.version)},
                )
        except errors.DomainError as error:
            outcomes.append(
                {"id": item.pk, "label": _label(item), "done": False, "why": error.message}
            )
        else:
            outcomes.append({"id": item.pk, "label": _label(item), "done": True, "why": ""})
    done = sum(1 for o in outcomes if o["done"])
    event(
        "bulk-action", action=action, items=len(outcomes), done=done, refused=len(outcomes) - done
    )
    request.session[RESULT_KEY] = {
        "action": spec.label,
        "done_text": spec.done,
        "outcomes": outcomes,
        "next": selection.next,
    }
    return redirect("recommendations:bulk_result")


def _label(item: TrackedItem) -> str:
    return f"{item.finding.reference}, {item.force.name} ({item.finding.report.title})"


@require_GET
def bulk_result(request: AuthenticatedHttpRequest) -> HttpResponse:
    result = request.session.get(RESULT_KEY)
    if not result:
        return redirect("recommendations:list")
    outcomes = result["outcomes"]
    done = sum(1 for o in outcomes if o["done"])
    return render(
        request,
        "recommendations/bulk_result.html",
        {"result": result, "outcomes": outcomes, "done": done, "refused": len(outcomes) - done},
    )
