"""Who may do which action to which item: one table, read by the services (to refuse),
the templates (which buttons to show) and the permission tests (what to expect).

Each action needs a permission (declared, with what it allows, on TrackedItem.Meta)
and the item's force in the person's scope: `forces` are the forces a liaison officer
or lead is assigned to; `region` is the region a chief of staff acts for. A person with
`act_for_all_forces` (administrators) acts on every force, except for a role's action
(`by_role`); a rule's `everywhere` permission reaches every force for that action only
(an inspector reopening an item). The item must also be in one
of the action's statuses, and closure actions need the right state of proposal.

Every door asks one function, `refusal(user, action, target)`: an item for an item or
evidence action, a force for a force action (importing pages included). What a page
offers at all comes from `may_ever`.

Imports ask `refusal(..., IMPORT_PAGES, force)` for each page's force, and
`may_import_closure` before a
closing status entry: closure comes in through the import door only for administrators
migrating history (the shell's `COMMAND_LINE` actor is one), never around the two-person
rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from forces.roles import PCC_PERMISSION

from . import errors
from .models import ClosureProposal, Status, TrackedItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from forces.models import Force

OPEN = frozenset({Status.AWAITING_REVIEW, Status.BEING_PROGRESSED})
ANY = frozenset(
    {Status.AWAITING_REVIEW, Status.BEING_PROGRESSED, Status.COMPLETE, Status.NO_FURTHER_ACTION}
)


class Action(StrEnum):
    """What a person can do to an item; the value is the action's address segment."""

    PROGRESS_UPDATE = "progress-update"
    COMMENT = "comment"
    OWNER = "owner"
    REVIEW = "review"
    NO_FURTHER_ACTION = "no-further-action"
    PROPOSE_CLOSURE = "propose-closure"
    AUTHORISE_CLOSURE = "authorise-closure"
    RETURN_CLOSURE = "return-closure"
    WITHDRAW_CLOSURE = "withdraw-closure"
    ASSIGN_LEAD = "assign-lead"
    RECORD_RESPONSE = "record-response"
    ASSIGN_FORCE_LEAD = "assign-force-lead"
    REMOVE_EVIDENCE = "remove-evidence"
    IMPORT_PAGES = "import-pages"
    REOPEN = "reopen"
    RECORD_RECHECK = "recheck"
    # Issue 30: the Welsh version of a public update published without one.
    ADD_WELSH = "add-welsh"
    # Engage (the `engage` app): a force's monitoring stage, and an item's improvement plan.
    SET_MONITORING_STAGE = "monitoring-stage"
    ADD_PLAN_ACTION = "add-plan-action"
    UPDATE_PLAN_ACTION = "update-plan-action"
    REVIEW_PLAN = "review-plan"


@dataclass(frozen=True)
class Rule:
    permission: str
    scope: Literal["forces", "region"]
    statuses: frozenset[str]
    label: str
    proposal: Literal["none-open", "open-by-other", "open-by-self", "any"] = "any"
    # Only someone who holds the role for the item's force (or region): an
    # administrator's reach to every force does not count. Closure is proposed by a
    # liaison lead and decided by a regional chief of staff, never by an administrator.
    by_role: bool = False
    # A permission that, for this action only, reaches every force: an inspector (who
    # holds `view_all_forces`) reopens an item of any force, a chief of staff those of
    # their region. Empty for the rest.
    everywhere: str = ""
    # Holding `everywhere` is enough without `permission`: an inspector records an
    # effectiveness re-check of any force's item, a liaison lead (who holds
    # `permission`) of their forces'.
    everywhere_alone: bool = False
    # The item must have a re-check date (`recheck_on`, set when closure was authorised).
    needs_recheck: bool = False


CLOSED = frozenset({Status.COMPLETE, Status.NO_FURTHER_ACTION})

ACTIONS: dict[Action, Rule] = {
    Action.PROGRESS_UPDATE: Rule("add_progress_update", "forces", OPEN, "Add a progress update"),
    Action.OWNER: Rule("add_progress_update", "forces", OPEN, "Set owner and target date"),
    Action.COMMENT: Rule("comment_on_item", "forces", ANY, "Add a comment"),
    Action.ADD_WELSH: Rule("comment_on_item", "forces", ANY, "Add the Welsh of a public update"),
    Action.REVIEW: Rule("review_item", "forces", OPEN, "Change review status", "none-open"),
    Action.NO_FURTHER_ACTION: Rule(
        "review_item", "forces", OPEN, "Mark no further action needed", "none-open"
    ),
    Action.PROPOSE_CLOSURE: Rule(
        "propose_closure",
        "forces",
        frozenset({Status.BEING_PROGRESSED}),
        "Propose closure",
        "none-open",
        by_role=True,
    ),
    Action.AUTHORISE_CLOSURE: Rule(
        "authorise_closure",
        "region",
        frozenset({Status.BEING_PROGRESSED}),
        "Authorise closure",
        "open-by-other",
        by_role=True,
    ),
    Action.RETURN_CLOSURE: Rule(
        "authorise_closure",
        "region",
        frozenset({Status.BEING_PROGRESSED}),
        "Return closure proposal",
        "open-by-other",
        by_role=True,
    ),
    Action.WITHDRAW_CLOSURE: Rule(
        "propose_closure",
        "forces",
        frozenset({Status.BEING_PROGRESSED}),
        "Withdraw closure proposal",
        "open-by-self",
    ),
    Action.ASSIGN_LEAD: Rule("act_for_all_forces", "forces", OPEN, "Assign liaison lead"),
    # A later inspection found a closed item's problem still present: a chief of staff
    # for their region, or an inspector for any force, reopens it (issue 26). Never an
    # administrator: like authorising closure, it is a decision on closure. Their group
    # is not granted `reopen_item`, and as superusers (who hold every permission) they
    # are refused by `by_role`: they act for no region.
    Action.REOPEN: Rule(
        "reopen_item",
        "region",
        CLOSED,
        "Reopen item",
        by_role=True,
        everywhere="view_all_forces",
    ),
    # An effectiveness re-check the authorising chief of staff asked for (issue 26),
    # recorded as confirmed: a liaison lead for their forces, an inspector for any,
    # an administrator (it decides no closure). Found not effective, the item is
    # reopened instead (REOPEN).
    Action.RECORD_RECHECK: Rule(
        "review_item",
        "forces",
        CLOSED,
        "Record re-check",
        everywhere="view_all_forces",
        everywhere_alone=True,
        needs_recheck=True,
    ),
}

# Actions on a force's part of a report rather than on one item (the `responses` app):
# the same rules of permission and scope; statuses and proposals do not apply.
FORCE_ACTIONS: dict[Action, Rule] = {
    Action.RECORD_RESPONSE: Rule(
        "record_response", "forces", ANY, "Record the police and crime commissioner's response"
    ),
    # The liaison lead of every open item of a force at once: administrators for any
    # force, and a regional chief of staff (who holds `authorise_closure` for the
    # region) for the forces of their region. One item's lead stays ASSIGN_LEAD's.
    Action.ASSIGN_FORCE_LEAD: Rule(
        "authorise_closure", "region", OPEN, "Reassign the force's liaison lead"
    ),
    # Importing monitoring-portal pages for a force: its liaison leads, administrators.
    Action.IMPORT_PAGES: Rule("import_portal_pages", "forces", ANY, "Import portal pages"),
    # Moving a force between Scan and Engage: inspectors and administrators, any force.
    Action.SET_MONITORING_STAGE: Rule(
        "manage_monitoring_stage",
        "forces",
        ANY,
        "Set the monitoring stage",
        everywhere="manage_monitoring_stage",
    ),
}

# An item's improvement plan (the `engage` app), on open items: the force's liaison
# officers (and administrators) write its actions and their updates; the item's liaison
# lead (and administrators) reviews the updates.
PLAN_ACTIONS: dict[Action, Rule] = {
    Action.ADD_PLAN_ACTION: Rule("update_plan_action", "forces", OPEN, "Add a plan action"),
    Action.UPDATE_PLAN_ACTION: Rule("update_plan_action", "forces", OPEN, "Update a plan action"),
    Action.REVIEW_PLAN: Rule("review_item", "forces", OPEN, "Review plan progress"),
}

# Evidence files (the `evidence` app). Files come with an action: whoever may take one of
# ATTACH_EVIDENCE may attach files to it. Anyone who can see the item may download its
# files (outside the scope, the item and its files are "not found"). Only administrators
# remove a file, with a reason; nobody deletes one.
ATTACH_EVIDENCE = frozenset({Action.PROGRESS_UPDATE, Action.COMMENT, Action.PROPOSE_CLOSURE})
EVIDENCE_ACTIONS: dict[Action, Rule] = {
    Action.REMOVE_EVIDENCE: Rule("act_for_all_forces", "forces", ANY, "Remove evidence"),
}


class CommandLine:
    """The actor of the management commands: an administrator migrating history from
    the shell. It holds every permission; its history rows have no user."""

    pk = None
    username = "command line"
    is_authenticated = True
    is_active = True

    def has_perm(self, perm: str) -> bool:
        return True

    def get_username(self) -> str:
        return "command line"

    def get_full_name(self) -> str:
        return "an administrator (command line)"


COMMAND_LINE = CommandLine()


def _scope_ids(user: User) -> tuple[frozenset[int], frozenset[int]]:
    """(assigned force ids, force ids of the user's region), cached on the user object."""
    cached = getattr(user, "_tracker_scope", None)
    if cached is None:
        from django.db.models import Exists, OuterRef, Q

        from forces.models import Force, Scope

        # One query: each force the person is assigned to, or that lies in their region.
        rows = list(
            Force.objects.order_by()
            .annotate(
                assigned=Exists(
                    Scope.forces.through.objects.filter(force_id=OuterRef("pk"), scope__user=user)
                ),
                in_region=Exists(Scope.objects.filter(user=user, region_id=OuterRef("region_id"))),
            )
            .filter(Q(assigned=True) | Q(in_region=True))
            .values_list("pk", "assigned", "in_region")
        )
        cached = (
            frozenset(pk for pk, assigned, _ in rows if assigned),
            frozenset(pk for pk, _, in_region in rows if in_region),
        )
        user._tracker_scope = cached  # type: ignore[attr-defined]  # a cache on this request's user
    return cached


def sees_all_forces(user: User | AnonymousUser) -> bool:
    return user.has_perm("recommendations.view_all_forces") or user.has_perm(
        "recommendations.act_for_all_forces"
    )


def visible_force_ids(user: User) -> frozenset[int] | None:
    """The forces whose items a person may see; None means every force. A PCC office
    (`view_police_force`) also reads the items of the police force it serves, without
    acting on them: the rules' reach (`_reach`) is its own recipient only."""
    if sees_all_forces(user):
        return None
    assigned, region = _scope_ids(user)
    return assigned | region | served_force_ids(user)


def served_force_ids(user: User) -> frozenset[int]:
    """The police forces whose PCC office the person acts for (and may read, holding
    `view_police_force`); empty for everyone else. Cached on the request's user."""
    if not user.has_perm(f"recommendations.{PCC_PERMISSION}"):
        return frozenset()
    cached = getattr(user, "_tracker_served", None)
    if cached is None:
        from forces.models import Force

        assigned, _ = _scope_ids(user)
        cached = frozenset(
            Force.objects.filter(pcc_office__id__in=assigned).values_list("pk", flat=True)
        )
        user._tracker_served = cached  # type: ignore[attr-defined]  # a cache on this request's user
    return cached


Refusal = type[errors.DomainError]


def _reaches_everywhere(user: User, rule: Rule) -> bool:
    """Whether the rule's `everywhere` permission gives the person every force for this
    action: an inspector's. An administrator (a superuser, who holds every permission)
    does not count for a role's action (`by_role`)."""
    if not rule.everywhere or not user.has_perm(f"recommendations.{rule.everywhere}"):
        return False
    return not (rule.by_role and user.has_perm("recommendations.act_for_all_forces"))


def _holds(user: User | CommandLine, rule: Rule) -> bool:
    """Whether the person holds the rule's permission (or, for a rule whose `everywhere`
    permission is enough alone, that one)."""
    if user.has_perm(f"recommendations.{rule.permission}"):
        return True
    return (
        rule.everywhere_alone
        and not isinstance(user, CommandLine)
        and _reaches_everywhere(user, rule)
    )


def _reach(user: User | CommandLine, rule: Rule) -> frozenset[int] | None:
    """The forces the rule reaches for this person (permission held); None for every
    force. An administrator (or the command line) reaches every force, except for a
    role's action (`by_role`: closure), which needs the role for the force or region
    itself; a rule's `everywhere` permission (an inspector's) reaches every force."""
    if isinstance(user, CommandLine) or _reaches_everywhere(user, rule):
        return None
    if not rule.by_role and user.has_perm("recommendations.act_for_all_forces"):
        return None
    assigned, region = _scope_ids(user)
    return assigned if rule.scope == "forces" else region


def refusal(
    user: User | CommandLine,
    action: Action | str,
    target: TrackedItem | Force | int,
    *,
    proposal: ClosureProposal | None = None,
) -> Refusal | None:
    """The one answer of the policy, for every door: None when `user` may take `action`
    on `target` now, otherwise the domain error saying why (its message and status code
    are the error's own). `target` is the item for an item or evidence action (with its
    open `proposal`, if any), the force (or its id) for a force action. Permission first,
    then scope, then the item's state."""
    action = Action(action)
    rule = (
        ACTIONS.get(action)
        or FORCE_ACTIONS.get(action)
        or PLAN_ACTIONS.get(action)
        or EVIDENCE_ACTIONS[action]
    )
    if not _holds(user, rule):
        return errors.NotPermitted
    if isinstance(target, TrackedItem):
        force_id = target.force_id
    else:
        force_id = target if isinstance(target, int) else target.pk
    reach = _reach(user, rule)
    if reach is not None and force_id not in reach:
        return errors.OutsideScope
    if not isinstance(target, TrackedItem):
        return None
    item = target
    if item.status_id not in rule.statuses:
        return errors.InvalidTransition
    if rule.needs_recheck and item.recheck_on is None:
        return errors.NoRecheck
    if action not in ACTIONS:
        return None
    if rule.proposal == "none-open" and proposal is not None:
        return (
            errors.ClosureAlreadyProposed
            if action == Action.PROPOSE_CLOSURE
            else errors.ProposalOpen
        )
    if rule.proposal in ("open-by-other", "open-by-self") and proposal is None:
        return errors.NoOpenProposal
    if (
        rule.proposal == "open-by-other"
        and proposal is not None
        and proposal.proposed_by_id == user.pk
    ):
        return errors.OwnProposal
    if (
        rule.proposal == "open-by-self"
        and proposal is not None
        and proposal.proposed_by_id != user.pk
        and not user.has_perm("recommendations.act_for_all_forces")
    ):
        return errors.NotYourProposal
    return None


def may_ever(user: User, action: Action | str) -> bool:
    """Whether `user` could take `action` on some item at all: they hold its permission,
    and, where the action is a role's (closure), they hold that role for some force or
    region. What pages, bulk and dashboards offer starts here, so an administrator is
    never offered a closure decision the policy would refuse on every item."""
    rule = ACTIONS[Action(action)]
    if not _holds(user, rule):
        return False
    reach = _reach(user, rule)
    return reach is None or bool(reach)


def may_import_closure(user: User | CommandLine) -> bool:
    """Closing status entries are imported only by administrators migrating history."""
    return user.has_perm("recommendations.act_for_all_forces")


def allowed_actions(
    user: User, item: TrackedItem, open_proposal: ClosureProposal | None
) -> list[str]:
    """The actions to offer on the item page, in the table's order."""
    return [a for a in ACTIONS if refusal(user, a, item, proposal=open_proposal) is None]
