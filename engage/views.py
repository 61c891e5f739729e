"""Engage's pages: a force's monitoring stage, an item's improvement plan and its forms.
They parse input and call the services or the selectors; the policy and the services
decide. The public list of forces in Engage is monitoring's (through the core's hooks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from forces.models import Force
from recommendations import errors, policy
from recommendations.forms import GovukForm
from recommendations.models import TrackedItem
from recommendations.policy import Action, visible_force_ids
from recommendations.selectors import item_detail, today
from tracker.http import AuthenticatedHttpRequest, posted
from tracker.refusals import form_error, shows_refusals

from . import selectors, services
from .forms import PlanActionForm, PlanUpdateForm, ReviewForm, StageForm
from .models import MonitoringStage, PlanAction, Stage


def _visible_force(user: Any, slug: str) -> Force:
    force = Force.objects.police().select_related("region").filter(slug=slug).first()
    if force is None:
        raise Http404("No such force")
    seen = visible_force_ids(user)
    if seen is not None and force.pk not in seen:
        raise Http404("No such force")
    return force


def _submitted(
    request: HttpRequest, form: GovukForm, save: Callable[[dict[str, Any]], object]
) -> tuple[object, int]:
    """Every page here posts the same way: on a valid POST, `save` (one service call)
    with the cleaned data; its result, or None with the status to show the form again
    (200 for a GET, 400 for a form with errors, the domain error's own on the form)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return save(form.cleaned_data), 200
    except errors.DomainError as error:
        return None, form_error(form, error)


@require_http_methods(["GET", "POST"])
@shows_refusals
def stage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A force's monitoring stage and its history; inspectors and administrators set it."""
    force = _visible_force(request.user, slug)
    may_set = policy.refusal(request.user, Action.SET_MONITORING_STAGE, force) is None
    if request.method == "POST" and not may_set:
        raise errors.NotPermitted("You do not have permission to set a force's monitoring stage.")
    history = selectors.stage_history(force)
    current = history[0] if history and history[0].left_on is None else None
    other = Stage.SCAN if current is not None and current.stage == Stage.ENGAGE else Stage.ENGAGE
    form = StageForm(posted(request), initial={"stage": other, "entered_on": today()})
    row, status = _submitted(
        request,
        form,
        lambda d: services.stage_set(
            force=force,
            by=request.user,
            **{k: d[k] for k in ("stage", "entered_on", "reason", "meeting")},
        ),
    )
    if isinstance(row, MonitoringStage):
        messages.success(request, f"{force.name} is now in {row.get_stage_display()}")
        return redirect("engage:stage", slug=force.slug)
    return render(
        request,
        "engage/stage.html",
        {
            "force": force,
            "history": history,
            "current": current,
            "form": form if may_set else None,
        },
        status=status,
    )


def _plan_url(item_id: int) -> str:
    return reverse("engage:plan", args=[item_id])


@require_GET
def plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The item's improvement plan: every action with its updates and their reviews."""
    item = item_detail(user=request.user, pk=pk)
    context = selectors.item_plan(request.user, item)
    if context is None:
        context = {"plan": selectors.plan_of(item), "in_engage": False}
    return render(request, "engage/plan.html", {"item": item, **context})


def _form_page(
    request: HttpRequest,
    *,
    item: TrackedItem,
    form: GovukForm,
    title: str,
    button: str,
    status: int,
    intro: str = "",
    action: PlanAction | None = None,
) -> HttpResponse:
    return render(
        request,
        "engage/form.html",
        {
            "item": item,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "plan_action": action,
            "back": _plan_url(item.pk),
        },
        status=status,
    )


def _refuse(request: AuthenticatedHttpRequest, rule: Action, item: TrackedItem) -> None:
    refusal = policy.refusal(request.user, rule, item)
    if refusal is not None:
        raise refusal


@require_http_methods(["GET", "POST"])
@shows_refusals
def add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = item_detail(user=request.user, pk=pk)
    _refuse(request, Action.ADD_PLAN_ACTION, item)
    form = PlanActionForm(posted(request))
    added, status = _submitted(
        request, form, lambda d: services.plan_action_add(item=item, by=request.user, **d)
    )
    if added is not None:
        messages.success(request, "Plan action added")
        return redirect("engage:plan", pk=item.pk)
    return _form_page(
        request,
        item=item,
        form=form,
        title=policy.PLAN_ACTIONS[Action.ADD_PLAN_ACTION].label,
        button="Add plan action",
        intro="An action the force will take towards this item, with who delivers it and by when.",
        status=status,
    )


@require_http_methods(["GET", "POST"])
@shows_refusals
def change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = selectors.visible_plan_action(request.user, pk)
    item = action.item
    _refuse(request, Action.UPDATE_PLAN_ACTION, item)
    initial = {f: getattr(action, f) for f in ("title", "description", "owner", "due_on")}
    form = PlanActionForm(posted(request), initial=initial)
    saved, status = _submitted(
        request, form, lambda d: services.plan_action_change(action=action, by=request.user, **d)
    )
    if saved is not None:
        messages.success(request, "Plan action saved")
        return redirect("engage:plan", pk=item.pk)
    return _form_page(
        request,
        item=item,
        form=form,
        title="Change a plan action",
        button="Save plan action",
        status=status,
        action=action,
    )


@require_http_methods(["GET", "POST"])
@shows_refusals
def update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = selectors.visible_plan_action(request.user, pk)
    item = action.item
    _refuse(request, Action.UPDATE_PLAN_ACTION, item)
    form = PlanUpdateForm(posted(request), initial={"date": today(), "status": action.status})
    added, status = _submitted(
        request,
        form,
        lambda d: services.plan_update_add(
            action=action, by=request.user, text=d["text"], status=d["status"], on=d["date"]
        ),
    )
    if added is not None:
        messages.success(request, "Plan update added")
        return redirect("engage:plan", pk=item.pk)
    return _form_page(
        request,
        item=item,
        form=form,
        title=policy.PLAN_ACTIONS[Action.UPDATE_PLAN_ACTION].label,
        button="Add update",
        intro="Say what has been done on this action and what its status is now. Plan "
        "updates are internal: the inspectorate and the force see them, the public does not.",
        status=status,
        action=action,
    )


@require_http_methods(["GET", "POST"])
@shows_refusals
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan_update = selectors.visible_update(request.user, pk)
    action = plan_update.action
    item = action.item
    _refuse(request, Action.REVIEW_PLAN, item)
    form = ReviewForm(posted(request))
    reviewed, status = _submitted(
        request,
        form,
        lambda d: services.plan_update_review(
            update=plan_update, by=request.user, comment=d["comment"]
        ),
    )
    if reviewed is not None:
        messages.success(request, "Plan update reviewed")
        return redirect("engage:plan", pk=item.pk)
    return _form_page(
        request,
        item=item,
        form=form,
        title=policy.PLAN_ACTIONS[Action.REVIEW_PLAN].label,
        button="Mark as reviewed",
        intro=f"The update of {plan_update.date:%-d %B %Y} on “{action.title}”: {plan_update.text}",
        status=status,
        action=action,
    )
