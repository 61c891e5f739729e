"""Every change to Engage: a force's monitoring stage, and an item's improvement plan.
Each runs in one transaction, locks its row (the force's, or the item's before any of
its plan's), asks `recommendations.policy` again and cleans every text by the one rule
(`tracker.text`, through the core's `clean_text`)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction

from forces.models import Force
from recommendations import errors, policy
from recommendations.models import Finding, TrackedItem
from recommendations.selectors import today
from recommendations.services import Actor, history_user, save_with_history
from recommendations.services.common import check_not_too_early, clean_line, clean_text, lock_item
from tracker.humanise import long_date
from tracker.security import event

from .models import MonitoringStage, PlanAction, PlanActionReview, PlanActionUpdate, Stage
from .selectors import PLAN_KINDS, engage_since, open_action_count

Action = policy.Action
TITLE_MAX = PlanAction._meta.get_field("title").max_length or 200
OWNER_MAX = PlanAction._meta.get_field("owner").max_length or 200
MEETING_MAX = MonitoringStage._meta.get_field("meeting").max_length or 200


class AlreadyInStage(errors.StateError):
    message = "The force is already in that monitoring stage."


class NotInEngage(errors.StateError):
    message = (
        "The force is not in Engage, so this item has no improvement plan. An inspector "
        "moves a force into Engage."
    )


class NoPlanForKind(errors.StateError):
    message = (
        "Only a cause of concern or a recommendation has an improvement plan, not an area "
        "for improvement."
    )


class AlreadyReviewed(errors.StateError):
    message = "This update has already been reviewed."


class OpenPlanActions(errors.DomainError):
    """A cause of concern proposed for closure while its plan has open actions."""

    def __init__(self, count: int) -> None:
        actions = "action" if count == 1 else "actions"
        super().__init__(
            f"Its improvement plan has {count} open {actions} (not done). Say why it should "
            "close now, or wait until the plan is done",
            field="open_actions_reason",
        )


def _refuse(by: Actor, action: Action, target: TrackedItem | Force) -> None:
    refusal = policy.refusal(by, action, target)
    if refusal is not None:
        raise refusal


def _not_future(on: dt.date, *, field: str, label: str) -> dt.date:
    check_not_too_early(on, field=field, label=label)
    if on > today():
        raise errors.FutureDate(f"The {label} must be today or in the past", field=field)
    return on


@transaction.atomic
def stage_set(
    *,
    force: Force,
    stage: str,
    entered_on: dt.date,
    reason: str,
    meeting: str,
    by: Actor,
) -> MonitoringStage:
    """Move the force into `stage` from `entered_on`, as decided at `meeting`: the
    current stage (if any) is left that day and the new one opened, in one transaction
    under the force's lock. Inspectors and administrators only."""
    force = Force.objects.select_for_update().get(pk=force.pk)
    _refuse(by, Action.SET_MONITORING_STAGE, force)
    if stage not in Stage.values:
        raise errors.DomainError("Select Scan or Engage", field="stage")
    reason = clean_text(reason, field="reason", label="the reason")
    meeting = clean_line(meeting, field="meeting", label="the meeting", max_length=MEETING_MAX)
    if not meeting:
        raise errors.DomainError(
            "Enter the oversight group meeting that decided it", field="meeting"
        )
    _not_future(entered_on, field="entered_on", label="date")
    current = (
        MonitoringStage.objects.select_for_update()
        .filter(force=force, left_on__isnull=True)
        .first()
    )
    now_in = current.stage if current is not None else Stage.SCAN
    if now_in == stage:
        raise AlreadyInStage(f"{force.name} is already in {Stage(stage).label}.")
    if current is not None:
        if entered_on < current.entered_on:
            raise errors.DomainError(
                f"The date must be on or after {long_date(current.entered_on)}, when "
                f"{force.name} entered {current.get_stage_display()}",
                field="entered_on",
            )
        current.left_on = entered_on
        save_with_history(current, by=by, reason=f"Left for {Stage(stage).label}")
    row = MonitoringStage(
        force=force,
        stage=stage,
        entered_on=entered_on,
        reason=reason,
        meeting=meeting,
        decided_by=history_user(by),
    )
    save_with_history(row, by=by, reason=f"Entered {Stage(stage).label}")
    event("monitoring-stage-set", user=history_user(by), force=force.slug, stage=stage)
    return row


def _plan_item(item: TrackedItem, by: Actor, action: Action) -> TrackedItem:
    """The item, locked, with the policy asked again."""
    locked = lock_item(item)
    _refuse(by, action, locked)
    return locked


def _action_fields(title: str, description: str, owner: str, due_on: dt.date) -> dict[str, object]:
    title = clean_line(title, field="title", label="the action", max_length=TITLE_MAX)
    if not title:
        raise errors.DomainError("Enter the action", field="title")
    owner = clean_line(owner, field="owner", label="the owner", max_length=OWNER_MAX)
    if not owner:
        raise errors.DomainError("Enter the owner", field="owner")
    description = clean_text(
        description, field="description", label="the description", required=False
    )
    check_not_too_early(due_on, field="due_on", label="due date")
    return {"title": title, "owner": owner, "description": description, "due_on": due_on}


@transaction.atomic
def plan_action_add(
    *,
    item: TrackedItem,
    by: Actor,
    title: str,
    owner: str,
    due_on: dt.date,
    description: str = "",
) -> PlanAction:
    """Add an action to the item's improvement plan: the force's liaison officers (and
    administrators), for a cause of concern or a recommendation of a force in Engage."""
    item = _plan_item(item, by, Action.ADD_PLAN_ACTION)
    kind = Finding.objects.values_list("kind", flat=True).get(pk=item.finding_id)
    if kind not in PLAN_KINDS:
        raise NoPlanForKind
    if engage_since(item.force_id) is None:
        raise NotInEngage
    action = PlanAction(
        item=item, created_by=history_user(by), **_action_fields(title, description, owner, due_on)
    )
    save_with_history(action, by=by, reason="Added")
    event("plan-action-added", user=history_user(by), item=item.pk, action=action.pk)
    return action


def _locked_action(action: PlanAction, by: Actor, rule: Action) -> PlanAction:
    """The item's lock first (the order of every plan change), then the action's."""
    _plan_item(TrackedItem(pk=action.item_id), by, rule)
    return PlanAction.objects.select_for_update().get(pk=action.pk)


@transaction.atomic
def plan_action_change(
    *,
    action: PlanAction,
    by: Actor,
    title: str,
    owner: str,
    due_on: dt.date,
    description: str = "",
) -> PlanAction:
    """Change an action's title, description, owner or due date (its status moves with
    an update: `plan_update_add`)."""
    action = _locked_action(action, by, Action.UPDATE_PLAN_ACTION)
    fields = _action_fields(title, description, owner, due_on)
    changed = [name for name, value in fields.items() if getattr(action, name) != value]
    if not changed:
        return action
    for name, value in fields.items():
        setattr(action, name, value)
    save_with_history(action, by=by, reason="Changed: " + ", ".join(changed))
    return action


@transaction.atomic
def plan_update_add(
    *,
    action: PlanAction,
    by: Actor,
    text: str,
    status: str,
    on: dt.date | None = None,
) -> PlanActionUpdate:
    """Log a dated update on a plan action, with its status after: the force's liaison
    officers (and administrators)."""
    action = _locked_action(action, by, Action.UPDATE_PLAN_ACTION)
    if status not in PlanAction.Status.values:
        raise errors.DomainError("Select the action's status", field="status")
    text = clean_text(text, field="text", label="the update")
    on = _not_future(on or today(), field="date", label="date of the update")
    update = PlanActionUpdate.objects.create(
        action=action, date=on, text=text, status_after=status, author=history_user(by)
    )
    if action.status != status:
        action.status = status
        save_with_history(action, by=by, reason=f"Update: {PlanAction.Status(status).label}")
    event("plan-update-added", user=history_user(by), action=action.pk, update=update.pk)
    return update


@transaction.atomic
def plan_update_review(
    *, update: PlanActionUpdate, by: Actor, comment: str = ""
) -> PlanActionReview:
    """The liaison lead (or an administrator) reviews an update, with a comment if any."""
    item_id = PlanAction.objects.values_list("item_id", flat=True).get(pk=update.action_id)
    _plan_item(TrackedItem(pk=item_id), by, Action.REVIEW_PLAN)
    comment = clean_text(comment, field="comment", label="the comment", required=False)
    if PlanActionReview.objects.filter(update_id=update.pk).exists():
        raise AlreadyReviewed
    review = PlanActionReview.objects.create(
        update_id=update.pk, reviewed_by=history_user(by), comment=comment
    )
    event("plan-update-reviewed", user=history_user(by), update=update.pk)
    return review


def closure_check(item: TrackedItem, by: User | policy.CommandLine, reason: str) -> str:
    """The closure rule (recommendations.hooks.register_closure_check), asked by
    `closure_propose` under the item's lock: a cause of concern whose plan has open
    actions is proposed for closure only with the lead's reason, which the proposal's
    timeline entry then records."""
    count = open_action_count(item.pk, kind=Finding.Kind.CAUSE_OF_CONCERN)  # one query
    if not count:
        return ""
    reason = clean_text(
        reason or "",
        field="open_actions_reason",
        label="why it should close with open plan actions",
        required=False,
    )
    if not reason:
        raise OpenPlanActions(count)
    actions = "action" if count == 1 else "actions"
    return f"Proposed with {count} improvement plan {actions} not done: {reason}"
