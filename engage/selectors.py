"""Every read of Engage. Items, and so their plans, are found through
`recommendations.selectors.items_visible_to`: outside a person's scope, "not found"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from forces.models import Force
from recommendations import policy
from recommendations.models import Finding, TrackedItem
from recommendations.selectors import items_visible_to, today

from .models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate, Stage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The kinds of finding an improvement plan's actions sit under.
PLAN_KINDS = (Finding.Kind.CAUSE_OF_CONCERN, Finding.Kind.RECOMMENDATION)


def current_stage(force_id: int) -> MonitoringStage | None:
    """The force's current stage row; None when it has none (it is in Scan)."""
    return MonitoringStage.objects.filter(force_id=force_id, left_on__isnull=True).first()


def engage_since(force_id: int) -> dt.date | None:
    """The date the force entered Engage, if it is in Engage now."""
    return (
        MonitoringStage.objects.filter(force_id=force_id, left_on__isnull=True, stage=Stage.ENGAGE)
        .values_list("entered_on", flat=True)
        .first()
    )


def stage_history(force: Force) -> list[MonitoringStage]:
    """The force's stages, the current first."""
    return list(
        MonitoringStage.objects.filter(force=force)
        .select_related("decided_by")
        .order_by("-entered_on", "-id")
    )


def forces_in_engage() -> list[MonitoringStage]:
    """The forces in Engage now with the date each entered, by name: public."""
    return list(
        MonitoringStage.objects.filter(left_on__isnull=True, stage=Stage.ENGAGE)
        .select_related("force__region")
        .order_by("force__name")
    )


def public_forces_in_engage() -> list[tuple[Force, dt.date]]:
    """(force, the date it entered Engage) for the public site: nothing else of Engage."""
    return [(s.force, s.entered_on) for s in forces_in_engage()]


@dataclass
class Plan:
    """An item's improvement plan: its actions (each with its updates, newest last, and
    their reviews) and its progress."""

    actions: list[PlanAction]
    on: dt.date
    total: int = 0
    done: int = 0
    overdue: int = 0
    unreviewed: int = 0  # updates the lead has not reviewed yet
    overdue_actions: list[PlanAction] = field(default_factory=list)

    @property
    def open(self) -> int:
        return self.total - self.done


def plan_of(item: TrackedItem) -> Plan:
    """The item's plan, in two queries."""
    on = today()
    actions = list(
        PlanAction.objects.filter(item=item).prefetch_related(
            "updates__author", "updates__review__reviewed_by"
        )
    )
    plan = Plan(actions=actions, on=on, total=len(actions))
    for action in actions:
        action.overdue = action.is_overdue(on)  # type: ignore[attr-defined]  # for the page
        for update in action.updates.all():
            try:
                update.reviewed = update.review  # type: ignore[attr-defined]  # for the page
            except PlanActionReview.DoesNotExist:
                update.reviewed = None  # type: ignore[attr-defined]  # for the page
                plan.unreviewed += 1
        if action.status == PlanAction.Status.DONE:
            plan.done += 1
        if action.overdue:  # type: ignore[attr-defined]  # set above, for the page
            plan.overdue += 1
            plan.overdue_actions.append(action)
    return plan


def open_action_count(item_id: int, *, kind: str = "") -> int:
    """How many of the item's plan actions are not done (only if its finding is of
    `kind`, when given: none otherwise)."""
    actions = PlanAction.objects.filter(item_id=item_id)
    if kind:
        actions = actions.filter(item__finding__kind=kind)
    return actions.exclude(status=PlanAction.Status.DONE).count()


def has_plan(item: TrackedItem) -> bool:
    """Whether the item can carry an improvement plan: a cause of concern or a
    recommendation."""
    return item.finding.kind in PLAN_KINDS


def item_plan(user: User, item: TrackedItem) -> dict[str, object] | None:
    """What the item page shows of the plan (templates/engage/_item_plan.html): None
    for an item that carries none (an area for improvement) and has no actions."""
    if not has_plan(item):
        return None
    # One query for an item with no plan in a force in Scan (most items).
    in_engage, has_actions = (
        Force.objects.filter(pk=item.force_id)
        .annotate(
            in_engage=Exists(
                MonitoringStage.objects.filter(
                    force=OuterRef("pk"), left_on__isnull=True, stage=Stage.ENGAGE
                )
            ),
            has_actions=Exists(PlanAction.objects.filter(item_id=item.pk)),
        )
        .values_list("in_engage", "has_actions")
        .get()
    )
    if not has_actions and not in_engage:
        return None
    plan = plan_of(item) if has_actions else Plan(actions=[], on=today())
    return {
        "plan": plan,
        "in_engage": in_engage,
        "may_add": policy.refusal(user, policy.Action.ADD_PLAN_ACTION, item) is None,
        "may_update": policy.refusal(user, policy.Action.UPDATE_PLAN_ACTION, item) is None,
        "may_review": policy.refusal(user, policy.Action.REVIEW_PLAN, item) is None,
    }


def visible_plan_action(user: User, pk: int) -> PlanAction:
    """A plan action of an item the person sees; 404 otherwise."""
    action = (
        PlanAction.objects.filter(pk=pk, item__in=items_visible_to(user))
        .select_related("item__finding__report", "item__force", "item__status")
        .first()
    )
    if action is None:
        raise Http404("No such plan action")
    return action


def visible_update(user: User, pk: int) -> PlanActionUpdate:
    update = (
        PlanActionUpdate.objects.filter(pk=pk, action__item__in=items_visible_to(user))
        .select_related("action__item__finding__report", "action__item__force", "author")
        .first()
    )
    if update is None:
        raise Http404("No such plan update")
    return update


def plan_actions_visible_to(user: User) -> object:
    """Every plan action of the items the person sees (the API)."""
    return (
        PlanAction.objects.filter(item__in=items_visible_to(user))
        .select_related("item__force", "item__finding__report")
        .order_by("item_id", "due_on", "id")
    )


def progress_by_force(force_ids: list[int]) -> dict[int, dict[str, int]]:
    """{force id: {"total", "done", "overdue", "items"}} of the forces' plans, one query."""
    on = today()
    rows = (
        PlanAction.objects.filter(item__force_id__in=force_ids)
        .values("item__force_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=PlanAction.Status.DONE)),
            overdue=Count("id", filter=~Q(status=PlanAction.Status.DONE) & Q(due_on__lt=on)),
            items=Count("item_id", distinct=True),
        )
        .order_by()
    )
    return {
        r["item__force_id"]: {k: r[k] for k in ("total", "done", "overdue", "items")} for r in rows
    }
