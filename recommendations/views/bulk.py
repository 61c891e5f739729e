"""Bulk actions: the same action on several items, each through the same service as the
item's own form, each in its own transaction, so a refused item never undoes the others.

One address, `/bulk/`, takes the steps as POSTs (the selection travels in the form, so
nothing is kept between steps but what the person sends back, and every step checks it
again): choose an action that the person may take on every selected item, give its
details, check what will happen to each item, confirm. The outcome of each item (done,
or refused with the domain error's own message) is kept in the session and shown at
`/bulk/result/` (post, redirect, get: reloading the result does not apply it again).

At most BULK_MAX_ITEMS items at once (a page of the list is 50): applied in the request,
they finish well within 10 seconds (benchmarks/run.py measures 200).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tracker.security import event

from .. import errors, forms, policy, services
from ..models import ClosureProposal, TrackedItem
from ..policy import Action
from ..selectors import items_visible_to, open_proposal
from .common import AuthenticatedHttpRequest

BULK_MAX_ITEMS = 200
RESULT_KEY = "bulk_result"

Handler = Callable[[AuthenticatedHttpRequest, TrackedItem, dict[str, Any], int], object]


@dataclass(frozen=True)
class BulkAction:
    label: str  # the choice, "Add the same comment"
    form: Callable[..., forms.GovukForm]
    handler: Handler
    will: str  # what will happen to each item, on the check page
    done: str


def _comment_form(*args: Any, **kwargs: Any) -> forms.GovukForm:
    return forms.CommentForm(*args, label="Comment", ask_visibility=True, **kwargs)


def _return_form(*args: Any, **kwargs: Any) -> forms.GovukForm:
    return forms.ReasonForm(
        *args,
        label="Why you are returning them",
        missing="Enter why you are returning them",
        **kwargs,
    )


BULK_ACTIONS: dict[str, BulkAction] = {
    Action.COMMENT: BulkAction(
        "Add the same comment",
        _comment_form,
        lambda r, item, d, version: services.comment_add(
            item=item, by=r.user, text=d["text"], on=d["date"], visibility=d["visibility"]
        ),
        "The comment is added to its timeline.",
        "Comment added",
    ),
    Action.PROPOSE_CLOSURE: BulkAction(
        "Propose closure with one reason",
        forms.ProposeClosureForm,
        lambda r, item, d, version: services.closure_propose(
            item=item,
            by=r.user,
            reason=d["reason"],
            verified_by=d["verified_by"],
            verified_other=d["verified_other"],
        ),
        "Closure is proposed; a chief of staff for the region decides it.",
        "Closure proposed",
    ),
    Action.AUTHORISE_CLOSURE: BulkAction(
        "Authorise closure",
        forms.AuthoriseForm,
        lambda r, item, d, version: services.closure_authorise(
            item=item, by=r.user, note=d["reason"], publish_note=d["publish_note"]
        ),
        "Closure is authorised: the item becomes complete.",
        "Closure authorised",
    ),
    Action.RETURN_CLOSURE: BulkAction(
        "Return the closure proposals with one reason",
        _return_form,
        lambda r, item, d, version: services.closure_return(
            item=item, by=r.user, reason=d["reason"]
        ),
        "The proposal is returned; the item stays being progressed.",
        "Proposal returned",
    ),
    Action.OWNER: BulkAction(
        "Set the owner",
        forms.BulkOwnerForm,
        lambda r, item, d, version: services.owner_set(
            item=item,
            by=r.user,
            version=version,
            owner_name=d["owner_name"],
            owner_rank=d["owner_rank"],
            owner_department=d["owner_department"],
            target_date=item.target_date,
        ),
        "The owner is set; the target date stays as it is.",
        "Owner set",
    ),
}


def may_bulk(user: User) -> bool:
    """Whether the person has any bulk action at all (the list shows checkboxes then)."""
    return any(policy.may_ever(user, a) for a in BULK_ACTIONS)


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
            self.error = "Select at least one item"
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
                    queryset=ClosureProposal.objects.filter(state=ClosureProposal.State.OPEN),
                    to_attr="all_proposals",
                )
            )
        }
        if len(found) != len(ids):
            raise Http404("No such item")
        self.items = [found[pk] for pk in ids]
        self.user = request.user
        nxt = post.get("next", "")
        safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
        self.next = nxt if nxt and safe else reverse("recommendations:list")

    def refusal(self, action: str, item: TrackedItem) -> str:
        error = policy.why_not(self.user, action, item, open_proposal(item))
        return error.message if error is not None else ""

    def allowed_on_every(self) -> list[tuple[str, str]]:
        return [
            (name, a.label)
            for name, a in BULK_ACTIONS.items()
            if self.items and all(not self.refusal(name, i) for i in self.items)
        ]

    def partly_allowed(self) -> list[tuple[str, int]]:
        """Actions the person may take on some, not all, of the selected items."""
        counts = []
        for name, a in BULK_ACTIONS.items():
            n = sum(1 for i in self.items if not self.refusal(name, i))
            if 0 < n < len(self.items):
                counts.append((a.label, n))
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
def bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    selection = _Selection(request)
    if selection.error:
        return _page(request, "bulk_choose.html", selection, status=400, error=selection.error)
    action = request.POST.get("action", "")
    step = request.POST.get("step", "choose")
    if step in ("check", "confirm") and action in BULK_ACTIONS:
        # Chosen already: each item's own refusal is shown on the check page, and at
        # confirmation the service decides for each item as things are then.
        if not policy.may_ever(request.user, action):
            raise PermissionDenied(errors.NotPermitted.message)
        allowed = [(action, BULK_ACTIONS[action].label)]
    else:
        allowed = selection.allowed_on_every()
    if action not in dict(allowed):
        error = ""
        if action:
            label = BULK_ACTIONS[action].label if action in BULK_ACTIONS else action
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
    spec = BULK_ACTIONS[action]
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
            if key not in ("csrfmiddlewaretoken", "step", "version")
            for value in values
        ]
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
        )
    versions = _versions(request)
    outcomes = []
    for item in selection.items:
        try:
            with transaction.atomic():
                spec.handler(request, item, form.cleaned_data, versions.get(item.pk, item.version))
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
