"""The one table of actions on an item: what each asks for, which service it calls, and
what a person is told when it is done. The item pages, the bulk pages, the API and the
home pages all read it, and offer an action only where the policy says the person may
take it (`offered`).

Each entry's `run` takes the action's input by the names the forms use (the API's
serializers give the same names: its `note` arrives as `reason`) plus, where they
apply, `version` (the item's version as read), `proposal_id` and the evidence's `files`
and `marking`, and makes exactly one service call. Who may act, and the wording of a
refusal, are the policy's (`recommendations.policy`) and the errors' own
(`recommendations.errors`): nothing here repeats them.

Adding an action is one entry here, one rule in the policy, one service, and its tests
(the permission oracle in `tests/oracle.py` gains its row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext, ngettext

from tracker.humanise import long_date

from . import forms, policy, services
from .models import Finding, TrackedItem
from .policy import Action
from .public import public_entries_without_welsh

Runner = Callable[[User, TrackedItem, Mapping[str, Any]], object]
FormFactory = Callable[..., forms.GovukForm]


@dataclass(frozen=True)
class BulkSpec:
    """How the action is offered for several items at once (the bulk pages)."""

    label: str  # the choice: "Add the same comment"
    form: Callable[..., forms.GovukForm]
    will: str  # what will happen to each item, on the check page
    done: str


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    form: FormFactory  # (data, files, *, initial, item) -> the item page's form
    run: Runner
    done: str  # the message after it is done
    # The message from what was given, where it depends on it (a comment says whether
    # it went public): `done` otherwise.
    done_for: Callable[[Mapping[str, Any]], str] | None = None
    # The introduction from the item, where what the action does depends on it (the
    # review says which status the item moves to): `intro` otherwise.
    intro_for: Callable[[TrackedItem], str] | None = None
    intro: str = ""
    button: str = "Save"
    bulk: BulkSpec | None = None

    @property
    def label(self) -> str:
        return policy.ACTIONS[self.action].label

    def intro_text(self, item: TrackedItem) -> str:
        return self.intro_for(item) if self.intro_for is not None else self.intro

    def done_message(self, given: Mapping[str, Any]) -> str:
        return self.done_for(given) if self.done_for is not None else self.done

    @property
    def takes_evidence(self) -> bool:
        return self.action in policy.ATTACH_EVIDENCE


def _reason_form(label: str, *, required: bool = True, missing: str = "") -> FormFactory:
    def make(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
        return forms.ReasonForm(
            *args, label=label, required=required, missing=missing or "Enter the reason", **kwargs
        )

    return make


def _comment_form(label: str, *, ask_visibility: bool = False) -> FormFactory:
    def make(*args: object, item: TrackedItem | None = None, **kwargs: object) -> forms.GovukForm:
        # A Welsh force's item: a public comment is written in English and Welsh.
        welsh = ask_visibility and item is not None and item.force.welsh
        return forms.CommentForm(
            *args, label=label, ask_visibility=ask_visibility, ask_welsh=welsh, **kwargs
        )

    return make


COMMENT_INTRO = (
    "A public comment is published on the monitoring portal with its date, as the "
    "inspectorate's comment, without your name. An internal one is seen only by the "
    "inspectorate and the force."
)


def _comment_intro(item: TrackedItem) -> str:
    """A Welsh force's item (issue 30): both versions are asked for, and the page says
    which public updates still have no Welsh."""
    if not item.force.welsh:
        return COMMENT_INTRO
    lacking = public_entries_without_welsh(item)
    both = gettext(
        "This force publishes in English and Welsh: a public comment needs its Welsh "
        "version, and both go live together."
    )
    words = f"{COMMENT_INTRO} {both}"
    if lacking:
        dates = ", ".join(long_date(e.date) for e in lacking)
        words += " " + ngettext(
            "%(num)s public update has no Welsh yet: %(dates)s.",
            "%(num)s public updates have no Welsh yet: %(dates)s.",
            len(lacking),
        ) % {"num": len(lacking), "dates": dates}
    return words


def _welsh_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    return forms.WelshForm(*args, entries=public_entries_without_welsh(item), **kwargs)


def _add_welsh(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.entry_welsh_add(item=item, by=by, entry_id=int(d["entry"]), text=d["text"])


def _welsh_intro(item: TrackedItem) -> str:
    if public_entries_without_welsh(item):
        return gettext(
            "The Welsh is published beside the English of the update you choose, on the "
            "Welsh public page, as soon as you save it. It cannot be changed afterwards."
        )
    return gettext("Every public update of this item has its Welsh.")


def _plain(form_class: type[forms.GovukForm]) -> FormFactory:
    def make(*args: object, item: TrackedItem | None = None, **kwargs: object) -> forms.GovukForm:
        return form_class(*args, **kwargs)

    return make


def _no_further_action_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    return forms.NoFurtherActionForm(*args, item=item, **kwargs)


def _lead_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    return forms.LeadForm(*args, leads=services.leads_for(item), **kwargs)


def _evidence(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"files": d.get("files") or [], "marking": d.get("marking") or "OFFICIAL"}


def _progress_update(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.comment_add(
        item=item,
        by=by,
        text=d["text"],
        on=d.get("date"),
        action=Action.PROGRESS_UPDATE,
        **_evidence(d),
    )


def _comment(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.comment_add(
        item=item,
        by=by,
        text=d["text"],
        on=d.get("date"),
        visibility=d.get("visibility", ""),
        text_cy=d.get("text_cy") or "",
        **_evidence(d),
    )


def _owner(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    """Fields not given keep their values (bulk sets the owner only; the API may PATCH
    one field)."""
    return services.owner_set(
        item=item,
        by=by,
        version=d.get("version", item.version),
        owner_name=d.get("owner_name", item.owner_name),
        owner_rank=d.get("owner_rank", item.owner_rank),
        owner_department=d.get("owner_department", item.owner_department),
        target_date=d.get("target_date", item.target_date),
        reason=d.get("reason", ""),
    )


def _propose_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    """The proposal's form; only a cause of concern (which may have an improvement plan
    with open actions) asks for the reason to close with actions open."""
    form = forms.ProposeClosureForm(*args, **kwargs)
    if item.finding.kind != Finding.Kind.CAUSE_OF_CONCERN:
        del form.fields["open_actions_reason"]
    return form


def _propose(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.closure_propose(
        item=item,
        by=by,
        reason=d["reason"],
        verified_by=d["verified_by"],
        verified_other=d.get("verified_other", ""),
        open_actions_reason=d.get("open_actions_reason", ""),
        **_evidence(d),
    )


def _authorise(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.closure_authorise(
        item=item,
        by=by,
        note=d.get("reason", ""),
        publish_note=bool(d.get("publish_note", False)),
        proposal_id=d.get("proposal_id"),
        changes_read=bool(d.get("changes_read", False)),
        # The item's version the person read (the API's `version`): never the bulk
        # pages' `version`, which is not a statement that the changes were read.
        seen_version=d.get("seen_version"),
        recheck_on=d.get("recheck_on"),
    )


def _return(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.closure_return(
        item=item, by=by, reason=d["reason"], proposal_id=d.get("proposal_id")
    )


def _withdraw(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.closure_withdraw(
        item=item, by=by, reason=d["reason"], proposal_id=d.get("proposal_id")
    )


def _reopen_form(*args: object, item: TrackedItem, **kwargs: object) -> forms.GovukForm:
    return forms.ReopenForm(*args, item=item, **kwargs)


def _reopen(by: User, item: TrackedItem, d: Mapping[str, Any]) -> object:
    return services.item_reopen(
        item=item,
        by=by,
        reason=d["reason"],
        public_reason=d["public_reason"],
        finding=d.get("finding"),
    )


def _recheck_intro(item: TrackedItem) -> str:
    """What the re-check records, and the way to the other outcome (reopening), as a
    link: the page prints the introduction as given."""
    from django.urls import reverse
    from django.utils.html import format_html

    from tracker.humanise import long_date

    due = f" It was due on {long_date(item.recheck_on)}." if item.recheck_on else ""
    return format_html(
        "Record that the closure was confirmed effective: the re-check date is cleared "
        "and an internal comment goes on the timeline.{} If the problem is still present, "
        '<a class="govuk-link" href="{}">reopen the item</a> instead (a chief of staff for '
        "the region or an inspector reopens it).",
        due,
        reverse("recommendations:action", args=[item.pk, Action.REOPEN.value]),
    )


def _review_intro(item: TrackedItem) -> str:
    """Which status the review moves the item to, in the reference data's words."""
    from .models import Status

    to = services.review_target(item.status_id)
    if to is None:  # not an item a review can move: the page shows the refusal instead
        return ""
    names = dict(Status.objects.filter(slug__in=[item.status_id, to]).values_list("slug", "name"))
    return (
        f"This moves the item from {names.get(item.status_id, item.status_id)} to "
        f"{names.get(to, to)}. Add a comment if you want one on the timeline."
    )


def _bulk_comment_form(*args: Any, **kwargs: Any) -> forms.GovukForm:
    return forms.CommentForm(*args, label="Comment", ask_visibility=True, **kwargs)


def _bulk_return_form(*args: Any, **kwargs: Any) -> forms.GovukForm:
    return forms.ReasonForm(
        *args,
        label="Why you are returning them",
        missing="Enter why you are returning them",
        **kwargs,
    )


REGISTRY: dict[Action, ActionSpec] = {
    spec.action: spec
    for spec in (
        ActionSpec(
            Action.PROGRESS_UPDATE,
            form=_comment_form("Progress update"),
            run=_progress_update,
            done="Progress update added",
            intro="Say what the force has done towards this item, with any evidence.",
            button="Add progress update",
        ),
        ActionSpec(
            Action.COMMENT,
            form=_comment_form("Comment", ask_visibility=True),
            run=_comment,
            done="Comment added",
            done_for=lambda d: (
                "Public comment added: it is on the monitoring portal"
                if d.get("visibility") == "public"
                else "Internal comment added: only the inspectorate and the force see it"
            ),
            intro=COMMENT_INTRO,
            intro_for=_comment_intro,
            button="Add comment",
            bulk=BulkSpec(
                "Add the same comment",
                _bulk_comment_form,
                "The comment is added to its timeline.",
                "Comment added",
            ),
        ),
        ActionSpec(
            Action.ADD_WELSH,
            form=_welsh_form,
            run=_add_welsh,
            done="Welsh added: it is on the Welsh public page",
            intro_for=_welsh_intro,
            button="Add the Welsh",
        ),
        ActionSpec(
            Action.OWNER,
            form=_plain(forms.OwnerForm),
            run=_owner,
            done="Owner and target date saved",
            bulk=BulkSpec(
                "Set the owner",
                forms.BulkOwnerForm,
                "The owner is set; the target date stays as it is.",
                "Owner set",
            ),
        ),
        ActionSpec(
            Action.REVIEW,
            form=_reason_form("Comment", required=False),
            run=lambda by, item, d: services.status_change(
                item=item, by=by, reason=d.get("reason", "")
            ),
            done="Status changed",
            intro_for=_review_intro,
            button="Change status",
        ),
        ActionSpec(
            Action.NO_FURTHER_ACTION,
            form=_no_further_action_form,
            run=lambda by, item, d: services.no_further_action(
                item=item, by=by, reason=d["reason"], superseded_by=d.get("superseded_by")
            ),
            done="Marked as no further action needed",
            intro="Use this when a later inspection supersedes the item, for example.",
            button="Mark no further action needed",
        ),
        ActionSpec(
            Action.PROPOSE_CLOSURE,
            form=_propose_form,
            run=_propose,
            done="Closure proposed. A chief of staff for the region will decide.",
            intro="Say how the force has met the requirement. A regional chief of staff, not "
            "you, authorises closure.",
            button="Propose closure",
            bulk=BulkSpec(
                "Propose closure with one reason",
                forms.ProposeClosureForm,
                "Closure is proposed; a chief of staff for the region decides it.",
                "Closure proposed",
            ),
        ),
        ActionSpec(
            Action.AUTHORISE_CLOSURE,
            form=_plain(forms.AuthoriseForm),
            run=_authorise,
            done="Closure authorised. The item is complete.",
            button="Authorise closure",
            bulk=BulkSpec(
                "Authorise closure",
                forms.AuthoriseForm,
                "Closure is authorised: the item becomes complete.",
                "Closure authorised",
            ),
        ),
        ActionSpec(
            Action.RETURN_CLOSURE,
            form=_reason_form("Why you are returning it", missing="Enter why you are returning it"),
            run=_return,
            done="Closure proposal returned. The item stays being progressed.",
            button="Return proposal",
            bulk=BulkSpec(
                "Return the closure proposals with one reason",
                _bulk_return_form,
                "The proposal is returned; the item stays being progressed.",
                "Proposal returned",
            ),
        ),
        ActionSpec(
            Action.WITHDRAW_CLOSURE,
            form=_reason_form(
                "Why you are withdrawing it", missing="Enter why you are withdrawing it"
            ),
            run=_withdraw,
            done="Closure proposal withdrawn. The item stays being progressed.",
            intro="Withdraw the proposal before a chief of staff decides it, for example to "
            "move the item back to review. The reason goes on the timeline.",
            button="Withdraw proposal",
        ),
        ActionSpec(
            Action.ASSIGN_LEAD,
            form=_lead_form,
            run=lambda by, item, d: services.liaison_lead_assign(item=item, by=by, lead=d["lead"]),
            done="Liaison lead saved",
            intro="The liaison lead reviews the item and is reminded when it goes stale.",
        ),
        ActionSpec(
            Action.REOPEN,
            form=_reopen_form,
            run=_reopen,
            done="Item reopened. It is being progressed again.",
            intro="Reopen a closed item when a later inspection finds its problem still "
            "present. It becomes being progressed again; the closure's record and evidence "
            "stay on its timeline.",
            button="Reopen item",
        ),
        ActionSpec(
            Action.RECORD_RECHECK,
            form=_reason_form(
                "How the re-check confirmed the closure",
                missing="Enter how the re-check confirmed the closure",
            ),
            run=lambda by, item, d: services.recheck_confirm(item=item, by=by, note=d["reason"]),
            done="Re-check recorded: the closure was confirmed effective.",
            intro_for=_recheck_intro,
            button="Record re-check as confirmed",
        ),
    )
}
assert set(REGISTRY) == set(policy.ACTIONS), "every action of the policy needs an entry"

# The actions offered for several items at once, in the order the bulk page lists them.
BULK: dict[Action, ActionSpec] = {
    a: REGISTRY[a]
    for a in (
        Action.COMMENT,
        Action.PROPOSE_CLOSURE,
        Action.AUTHORISE_CLOSURE,
        Action.RETURN_CLOSURE,
        Action.OWNER,
    )
}
assert all(spec.bulk is not None for spec in BULK.values())


def spec(action: Action | str) -> ActionSpec | None:
    """The entry for an action named in an address or a form, or None."""
    try:
        return REGISTRY.get(Action(action))
    except ValueError:
        return None


def offered(user: User, action: Action | str) -> bool:
    """Whether a page may offer `action` to `user` at all (a button, a checkbox, a bulk
    choice): the policy's `may_ever`. Whether it applies to one item now is the policy's
    `refusal`, asked by the page for that item and by the service again under its lock."""
    return policy.may_ever(user, action)
