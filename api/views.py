"""The API's endpoints: each read starts from the person's scope (the selectors), each
write is one call of a service; errors are problem+json (api.problems)."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any
from urllib import parse

from django.db.models import Count, Q
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)
from rest_framework.pagination import Cursor as CursorValue
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engage import selectors as engage_selectors
from engage import services as engage_services
from forces.models import Force
from recommendations import actions, errors, national, policy, selectors
from recommendations.models import ClosureProposal, InspectionReport, TimelineEntry, TrackedItem
from recommendations.services.closure import ChangedSinceProposed
from tracker import dates
from tracker.security import event

from . import serializers as s
from .filters import ApiItemFilter
from .models import ApiToken
from .problems import BadParameter, PreconditionFailed, PreconditionRequired, problem
from .throttling import AddressRateThrottle

BIGINT_MAX = 2**63 - 1
BAD_CURSOR = (
    "The cursor is not one this API gave out: follow the next or previous link as it "
    "was given, or leave cursor out for the first page."
)


class Cursor(CursorPagination):
    """`{"next": ..., "previous": ..., "results": [...]}`, by id: stable however rows
    change while a client pages through. A cursor is checked whole before it is used: a
    tampered one is a 400 naming `cursor`, never a 500 (issue 23)."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request: Request) -> CursorValue | None:
        """The cursor as DRF's encode_cursor writes it: base64 of `o=<offset>&r=1&p=<id>`
        (each part optional), and nothing else."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(
                text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=3
            )
        except ValueError:  # not ASCII, not base64, not a query string
            raise BadParameter(BAD_CURSOR, field="cursor") from None
        if set(tokens) - {"o", "r", "p"} or any(len(v) != 1 for v in tokens.values()):
            raise BadParameter(BAD_CURSOR, field="cursor")
        offset = tokens.get("o", ["0"])[0]
        reverse = tokens.get("r", ["0"])[0]
        position = tokens.get("p", [None])[0]
        if not _digits(offset, 4) or reverse not in ("0", "1"):
            raise BadParameter(BAD_CURSOR, field="cursor")
        if position is not None and not (_digits(position, 19) and int(position) <= BIGINT_MAX):
            raise BadParameter(BAD_CURSOR, field="cursor")
        # The position stays text, as DRF's own decode_cursor leaves it: DRF compares it
        # with the text _get_position_from_instance gives (the stubs say int).
        return CursorValue._make((min(int(offset), self.offset_cutoff), reverse == "1", position))


def _digits(text: str, most: int) -> bool:
    """Plain ASCII digits, at most `most` of them (str.isdigit alone takes "²")."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


class ApiView(APIView):
    """Every endpoint: the address throttle before authentication (so guessing tokens
    is throttled too), never stored by caches, and every write and every refusal in the
    security log with the token's name."""

    def perform_authentication(self, request: Request) -> None:
        throttle = AddressRateThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait() or 1.0)
        super().perform_authentication(request)

    def get_throttles(self) -> list[Any]:
        """The other throttles: the address one was counted before authentication."""
        return [t for t in super().get_throttles() if not isinstance(t, AddressRateThrottle)]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        refused = response.status_code >= 400
        if refused or request.method not in ("GET", "HEAD", "OPTIONS"):
            # What authentication found, without authenticating again (a throttled
            # request never authenticated).
            auth = getattr(request, "_auth", None)
            token = auth if isinstance(auth, ApiToken) else None
            user = getattr(request, "_user", None)
            event(
                "api-refused" if refused else "api-write",
                request=request._request,
                user=user if user is not None and user.is_authenticated else None,
                level=logging.WARNING if refused else logging.INFO,
                method=request.method,
                path=request.path,
                status=response.status_code,
                key_id=token.pk if token else None,
                key_name=token.name if token else None,
            )
        return response


class ApiGenericView(ApiView, generics.GenericAPIView):
    pass


def visible_item(request: Request, pk: int) -> TrackedItem:
    """The item, if the person may see it; otherwise 404 (logged), as on the pages."""
    return selectors.visible_item(user=request.user, pk=pk)  # type: ignore[arg-type]  # authenticated: IsAuthenticated


def run(request: Request, action: policy.Action, item: TrackedItem, given: Any) -> object:
    """The registry's entry for the action (recommendations.actions): the same service
    call, with the same input names, as the item's page and the bulk pages."""
    return actions.REGISTRY[action].run(request.user, item, dict(given))  # type: ignore[arg-type]  # authenticated: IsAuthenticated


def item_detail_data(request: Request, pk: int) -> dict[str, Any]:
    item = selectors.item_detail(user=request.user, pk=pk)  # type: ignore[arg-type]  # authenticated
    item.theme_slugs = [t.slug for t in item.themes.all()]  # type: ignore[attr-defined]  # for the serializer
    item.open_proposal_obj = selectors.open_proposal(item)  # type: ignore[attr-defined]  # for the serializer
    item.timeline_rows = selectors.timeline_rows(item.pk)  # type: ignore[attr-defined]  # for the serializer
    data: dict[str, Any] = s.ItemDetailSerializer(item, context={"request": request}).data
    return data


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


ERRORS = {
    401: OpenApiResponse(description="No valid token"),
    404: OpenApiResponse(description="Not found, or outside your scope"),
}


@extend_schema(
    tags=["items"],
    parameters=[
        OpenApiParameter(
            "updated_since",
            OpenApiTypes.DATETIME,
            description="Only items with any change after this time (incremental sync). "
            "Like the list page, the default is open items only: add status=all to sync "
            "closed ones too.",
        ),
    ],
)
class ItemList(ApiGenericView, generics.ListAPIView):
    """The items you can see, with the list page's filters (the same FilterSet)."""

    serializer_class = s.ItemSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiItemFilter
    pagination_class = Cursor

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return TrackedItem.objects.none()
        return (
            selectors.items_visible_to(self.request.user)  # type: ignore[arg-type]  # authenticated
            # As the list page: one join; the small tables come by id in their own queries.
            .select_related("finding")
            .prefetch_related("force", "finding__report", "liaison_lead")
            .defer("search", "finding__text", "finding__cause_of_concern")
        )


IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class ItemDetail(ApiView):
    @extend_schema(tags=["items"], responses={200: s.ItemDetailSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """An item with its whole timeline, open proposal, owner, target date and version
        (also its ETag)."""
        data = item_detail_data(request, pk)
        return with_etag(Response(data), data["version"])

    @extend_schema(
        tags=["items"],
        request=s.ItemPatchIn,
        responses={200: s.ItemDetailSerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='The item\'s version as read, e.g. "7"; another is 412.',
            )
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Set the owner and target date (a moved target date needs a reason; a new
        target date in the past needs `confirm_past_date: true`)."""
        match = IF_MATCH.match(request.headers.get("If-Match", ""))
        if match is None:
            raise PreconditionRequired
        version = int(match.group(1))
        body = s.ItemPatchIn(data=request.data)
        body.is_valid(raise_exception=True)
        item = visible_item(request, pk)
        if item.version != version:
            raise PreconditionFailed
        given = body.validated_data
        target = given.get("target_date", item.target_date)
        if dates.past_needs_confirming(
            target, item.target_date, selectors.today()
        ) and not given.get("confirm_past_date"):
            raise serializers.ValidationError(
                {
                    "confirm_past_date": (
                        f"The target date, {target:%-d %B %Y}, is in the past: send "
                        "confirm_past_date: true to keep it, or send a later target date."
                    )
                }
            )
        try:
            run(request, policy.Action.OWNER, item, {**given, "version": version})
        except errors.ItemChanged:
            raise PreconditionFailed from None
        data = item_detail_data(request, pk)
        return with_etag(Response(data), data["version"])


class ItemReopen(ApiView):
    @extend_schema(
        tags=["closure"], request=s.ReopenIn, responses={200: s.ItemDetailSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Reopen a complete or no-further-action-needed item (chiefs of staff for their
        region, inspectors): it is being progressed again, with a public comment
        (`public_reason`) and an internal one (`reason`, and the later `finding`)."""
        body = s.ReopenIn(data=request.data)
        body.is_valid(raise_exception=True)
        item = visible_item(request, pk)
        run(request, policy.Action.REOPEN, item, body.validated_data)
        data = item_detail_data(request, pk)
        return with_etag(Response(data), data["version"])


class EntryCreate(ApiView):
    action = policy.Action.COMMENT
    body_class: type[s.ProgressUpdateIn] = s.CommentIn

    def post(self, request: Request, pk: int) -> Response:
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        item = visible_item(request, pk)
        entry = run(request, self.action, item, body.validated_data)
        assert isinstance(entry, TimelineEntry)
        (row,) = selectors.timeline_rows(item.pk, entry_id=entry.pk)
        return Response(s.EntrySerializer(row).data, status=status.HTTP_201_CREATED)


class ProgressUpdateCreate(EntryCreate):
    action = policy.Action.PROGRESS_UPDATE
    body_class = s.ProgressUpdateIn

    @extend_schema(
        tags=["writes"], request=s.ProgressUpdateIn, responses={201: s.EntrySerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        """A force's progress update (liaison officers): internal."""
        return super().post(request, pk)


class CommentCreate(EntryCreate):
    @extend_schema(
        tags=["writes"], request=s.CommentIn, responses={201: s.EntrySerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        """A liaison lead's comment, public or internal."""
        return super().post(request, pk)


class ProposalCreate(ApiView):
    @extend_schema(
        tags=["closure"], request=s.ProposalIn, responses={201: s.ProposalSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Propose closure (liaison leads), saying how the requirement was verified."""
        body = s.ProposalIn(data=request.data)
        body.is_valid(raise_exception=True)
        item = visible_item(request, pk)
        proposal = run(request, policy.Action.PROPOSE_CLOSURE, item, body.validated_data)
        assert isinstance(proposal, ClosureProposal)
        return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalDecision(ApiView):
    """Authorise, return or withdraw the item's open proposal `pid`."""

    def body(self, request: Request, serializer: type[serializers.Serializer]) -> dict[str, Any]:
        """The request's body, checked by `serializer` (400 naming each field at fault)."""
        body = serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def decide(
        self, request: Request, pk: int, pid: int, action: policy.Action, given: dict[str, Any]
    ) -> Response:
        """The decision (the registry's entry for `action`) on the item's proposal `pid`
        (404 unless the item is visible and the proposal is its own), answered with the
        proposal as it now stands."""
        item = visible_item(request, pk)
        if not ClosureProposal.objects.filter(pk=pid, item=item).exists():
            raise Http404("No such proposal")
        decided = run(request, action, item, {**given, "proposal_id": pid})
        assert isinstance(decided, ClosureProposal)
        proposal = ClosureProposal.objects.select_related("proposed_by", "decided_by").get(
            pk=decided.pk
        )
        return Response(s.ProposalSerializer(proposal).data)


class ProposalAuthorise(ProposalDecision):
    @extend_schema(
        tags=["closure"],
        request=s.AuthoriseIn,
        responses={
            200: s.ProposalSerializer,
            409: OpenApiResponse(
                s.ChangedSinceProposedProblem,
                description="Already decided, or the item changed since closure was "
                "proposed (then `changes` lists what changed: send `changes_read: true` "
                "or the `version` you read).",
            ),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: int, pid: int) -> Response:
        """Authorise closure (chiefs of staff; never the proposer): the item is complete.
        If the item changed since closure was proposed, the answer is 409 with the
        changes, unless the body says `changes_read: true` or carries the item's
        `version` as it is now."""
        given = self.body(request, s.AuthoriseIn)
        try:
            return self.decide(request, pk, pid, policy.Action.AUTHORISE_CLOSURE, given)
        except ChangedSinceProposed as changed:
            answer = problem(
                409,
                "The item changed since closure was proposed: read the changes, then send "
                "changes_read: true (or the item's version you read) to authorise it.",
            )
            answer.data["version"] = TrackedItem.objects.values_list("version", flat=True).get(
                pk=pk
            )
            answer.data["changes"] = [c.as_data() for c in changed.changes]
            return answer


class ProposalReturn(ProposalDecision):
    @extend_schema(
        tags=["closure"], request=s.ReasonIn, responses={200: s.ProposalSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int, pid: int) -> Response:
        """Return the proposal with a reason (chiefs of staff): the item stays open."""
        given = self.body(request, s.ReasonIn)
        return self.decide(request, pk, pid, policy.Action.RETURN_CLOSURE, given)


class ProposalWithdraw(ProposalDecision):
    @extend_schema(
        tags=["closure"], request=s.ReasonIn, responses={200: s.ProposalSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int, pid: int) -> Response:
        """Withdraw your own proposal before a decision (or an administrator's)."""
        given = self.body(request, s.ReasonIn)
        return self.decide(request, pk, pid, policy.Action.WITHDRAW_CLOSURE, given)


@extend_schema(tags=["recipients"])
class RecipientList(ApiGenericView, generics.ListAPIView):
    """Every recipient of findings, read-only: the police forces, the national bodies
    (College of Policing, NPCC, ...) and the police and crime commissioners' offices, each
    with its kind, region and (for a PCC office) its police force. Reference data, the
    same for everyone: an item's `force` is one of these slugs."""

    serializer_class = s.RecipientSerializer
    pagination_class = None
    queryset = Force.objects.select_related("region", "police_force").order_by("kind", "slug")


@extend_schema(tags=["reports"])
class ReportList(ApiGenericView, generics.ListAPIView):
    """Every inspection report (as on the reports page)."""

    serializer_class = s.ReportSerializer
    pagination_class = Cursor
    queryset = InspectionReport.objects.all()


class ReportDetail(ApiView):
    @extend_schema(tags=["reports"], responses={200: s.ReportDetailSerializer, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        """A report and its findings, with how many forces' copies of each you can see."""
        report = InspectionReport.objects.filter(slug=slug).first()
        if report is None:
            raise Http404("No such report")
        force_ids = policy.visible_force_ids(request.user)  # type: ignore[arg-type]  # authenticated
        in_scope = Q() if force_ids is None else Q(items__force_id__in=sorted(force_ids))
        report.findings_rows = list(  # type: ignore[attr-defined]  # for the serializer
            report.findings.annotate(items_visible=Count("items", filter=in_scope)).order_by(
                "kind", "number", "id"
            )
        )
        return Response(s.ReportDetailSerializer(report).data)


class FindingDetail(ApiView):
    @extend_schema(
        tags=["reports"],
        parameters=[s.FindingQuery],
        responses={200: s.FindingRollupSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """A finding across the forces that track it, as its page `/findings/{id}/` shows
        it (one roll-up, `recommendations.national.finding_rollup`): each force's copy you
        can see, one row per force, and the totals over those rows (counts by status,
        completion rate, median days since the last update of the open copies, stale and
        overdue copies, open proposals). `all_forces` says whether the rows cover every
        force or only your scope. 404 when none of its copies is in your scope."""
        query = s.FindingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rollup = national.finding_rollup(request.user, pk, query.validated_data["sort"])  # type: ignore[arg-type]  # authenticated
        return Response(s.FindingRollupSerializer(rollup, context={"request": request}).data)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([AddressRateThrottle])
@schema(None)
def not_found(request: Request) -> Response:
    """No such API address (a mistyped path, or an id that is not a number)."""
    raise Http404("No such address")


# --- Engage (issue 28): read the monitoring stage and the plans, write plan updates ----


def _plan_action_data(action: Any, on: Any) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "description": action.description,
        "owner": action.owner,
        "due_on": action.due_on,
        "status": action.status,
        "overdue": action.is_overdue(on),
        "updates": [
            {
                "id": u.pk,
                "date": u.date,
                "text": u.text,
                "status_after": u.status_after,
                "reviewed": u.reviewed is not None,
            }
            for u in action.updates.all()
        ],
    }


class MonitoringStageDetail(ApiView):
    @extend_schema(tags=["engage"], responses={200: s.MonitoringStageSerializer, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        """A police force's monitoring stage (Scan or Engage) and its dated history, for
        a force whose items you see."""
        force = Force.objects.police().filter(slug=slug).first()
        seen = policy.visible_force_ids(request.user)  # type: ignore[arg-type]  # authenticated
        if force is None or (seen is not None and force.pk not in seen):
            raise Http404("No such force")
        history = engage_selectors.stage_history(force)
        current = history[0] if history and history[0].left_on is None else None
        data = {
            "force": force.slug,
            "stage": current.stage if current is not None else "scan",
            "since": current.entered_on if current is not None else None,
            "history": history,
        }
        return Response(s.MonitoringStageSerializer(data).data)


class PlanActionList(ApiView):
    @extend_schema(tags=["engage"], responses={200: s.PlanActionSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """The item's improvement plan: its actions, each with its dated updates.
        Internal: never on the public site."""
        item = visible_item(request, pk)
        plan = engage_selectors.plan_of(item)
        data = [_plan_action_data(a, plan.on) for a in plan.actions]
        return Response(s.PlanActionSerializer(data, many=True).data)


class PlanUpdateCreate(ApiView):
    @extend_schema(
        tags=["engage"], request=s.PlanUpdateIn, responses={201: s.PlanActionSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        """Log a dated update on a plan action, with its status after (the force's liaison
        officers): the action as it is afterwards."""
        body = s.PlanUpdateIn(data=request.data)
        body.is_valid(raise_exception=True)
        action = engage_selectors.visible_plan_action(request.user, pk)  # type: ignore[arg-type]  # authenticated
        given = body.validated_data
        engage_services.plan_update_add(
            action=action,
            by=request.user,  # type: ignore[arg-type]  # authenticated
            text=given["text"],
            status=given["status"],
            on=given.get("date"),
        )
        plan = engage_selectors.plan_of(action.item)
        done = next(a for a in plan.actions if a.pk == action.pk)
        return Response(
            s.PlanActionSerializer(_plan_action_data(done, plan.on)).data,
            status=status.HTTP_201_CREATED,
        )
