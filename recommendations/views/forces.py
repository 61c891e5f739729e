"""A force's page of its own: reassigning the liaison lead of all its open items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from forces.models import Force
from forces.selectors import display_name, liaison_leads_of, people_described
from tracker.refusals import form_error, shows_refusals

from .. import errors, forms, policy, services
from ..models import TrackedItem
from ..policy import Action
from .common import AuthenticatedHttpRequest, posted


@require_http_methods(["GET", "POST"])
@shows_refusals
def force_lead(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Choose the liaison lead of every open item of the force at once. A force outside
    the person's scope is not found; one they see but may not reassign is forbidden."""
    force = Force.objects.select_related("region").filter(slug=slug).first()
    visible = policy.visible_force_ids(request.user)
    if force is None or (visible is not None and force.pk not in visible):
        raise Http404("No such force")
    refusal = policy.refusal(request.user, Action.ASSIGN_FORCE_LEAD, force)
    if refusal is not None:
        raise refusal()
    form = forms.ForceLeadForm(posted(request), leads=liaison_leads_of(force.pk))
    status = 200
    checking = None
    if request.method == "POST":
        status = 400
        if form.is_valid() and not form.confirmed:
            # A change to many items at once: say how many and to whom, change nothing.
            status = 200
            lead = form.cleaned_data["lead"]
            checking = {
                "name": display_name(lead) if lead else "nobody",
                "value": str(lead.pk) if lead else forms.NOBODY,
                "items": TrackedItem.objects.filter(force=force, status_id__in=policy.OPEN).count(),
            }
        elif form.is_valid():
            lead = form.cleaned_data["lead"]
            try:
                changed = services.force_lead_assign(force=force, by=request.user, lead=lead)
            except errors.DomainError as error:
                status = form_error(form, error)
            else:
                name = display_name(lead) if lead else "nobody"
                if changed:
                    n = len(changed)
                    messages.success(
                        request,
                        f"{n} open item{'s' if n != 1 else ''} of {force.name} now "
                        f"{'have' if n != 1 else 'has'} {name} as liaison lead",
                    )
                else:
                    messages.info(request, "Nothing changed")
                return redirect("recommendations:force_lead", slug=force.slug)
    by_lead = list(
        TrackedItem.objects.filter(force=force, status_id__in=policy.OPEN)
        .values("liaison_lead")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    names = people_described((r["liaison_lead"] for r in by_lead), force=force.name)
    current = [(names.get(r["liaison_lead"], "Nobody"), r["n"]) for r in by_lead]
    return render(
        request,
        "recommendations/force_lead.html",
        {
            "force": force,
            "form": form,
            "current": current,
            "open_items": sum(r["n"] for r in by_lead),
            "checking": checking,
        },
        status=status,
    )


def forces_for_lead_reassign(user: User) -> list[Force]:
    """The forces whose liaison lead the person may reassign (none for most people),
    by name; one query, or none for people without the permission."""
    rule = policy.FORCE_ACTIONS[Action.ASSIGN_FORCE_LEAD]
    if not user.has_perm(f"recommendations.{rule.permission}"):
        return []
    return [
        f
        for f in Force.objects.order_by("name")
        if policy.refusal(user, Action.ASSIGN_FORCE_LEAD, f) is None
    ]
