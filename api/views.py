"""The JSON API, version 1: thin views over the apps' services, policies and selectors.

Each view parses input with a serializer (types and sizes), finds the object among those
the user may see (else 404), calls the same service as the page (which checks the role
and the object's state), and audits the write with the token named, in one transaction.
`Idempotency-Key` (a header) makes a retried create count once, as a form's hidden key
does for a double click.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import ObjectionTag, Suggestion
from leads import selectors as lead_selectors
from leads import services as lead_services
from leads.filters import LeadFilter
from leads.models import Lead
from messaging.models import MessageVersion
from smarketing import roles
from smarketing.idempotency import KEY_LENGTH

from . import selectors, serializers
from .services import api_audit, lead_fields_update, lead_upsert

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string: a retried request with the same key creates nothing new.",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, fields}"),
    401: OpenApiResponse(description="No valid token"),
    403: OpenApiResponse(description="Your role or relation to the object does not allow it"),
    404: OpenApiResponse(description="No such object, or not one you may see"),
    429: OpenApiResponse(description="Too many requests (see Retry-After)"),
}


def _responses(ok: dict) -> dict:
    return {**ok, **ERRORS}


class Cursor(CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-pk"


class LeadCursor(Cursor):
    ordering = ("-created_at", "-pk")


def _role(request, *allowed: str) -> None:
    if not roles.has_role(request.user, *allowed):
        raise PermissionDenied("Your role does not allow this.")


def _idempotency_key(request) -> str:
    return request.headers.get("Idempotency-Key", "")[:KEY_LENGTH]


def _valid(serializer_class, data, **kwargs) -> dict:
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _visible_lead(request, pk: int) -> Lead:
    try:
        return lead_selectors.lead_detail(user=request.user, pk=pk)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None


def _filter_parameters(filterset_class, skip=("ordering",)):
    """The page's FilterSet as query parameters of the schema."""
    params = []
    for name, field in filterset_class.base_filters.items():
        if name in skip:
            continue
        choices = getattr(field, "extra", {}).get("choices")
        params.append(
            OpenApiParameter(
                name,
                OpenApiTypes.STR,
                description=str(field.label or name),
                enum=[c[0] for c in choices] if choices and not callable(choices) else None,
            )
        )
    return params


class ApiView(GenericAPIView):
    """The common base: token auth, the per-token rate limit, JSON errors (settings)."""

    serializer_class = drf_serializers.Serializer


# --- Leads ---------------------------------------------------------------------------


class LeadListView(ApiView):
    pagination_class = LeadCursor
    serializer_class = serializers.LeadSerializer

    @extend_schema(
        operation_id="leads_list",
        summary="The leads you may see, with the lead list page's filters",
        parameters=_filter_parameters(LeadFilter),
        responses=_responses({200: serializers.LeadSerializer(many=True)}),
    )
    def get(self, request):
        # Everyone, each seeing the leads the pages let them see (Lead.objects.for_user):
        # a salesperson's CRM syncs their own leads, as their queue shows them.
        filters = request.query_params.copy()
        for name in ("cursor", "page_size", "ordering"):
            filters.pop(name, None)
        filterset, queryset = lead_selectors.lead_list(user=request.user, filters=filters)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializers.LeadSerializer(page, many=True).data)

    @extend_schema(
        operation_id="leads_upsert",
        summary="Create a lead, or update the one with this email (marketing)",
        request=serializers.LeadUpsertSerializer,
        parameters=[IDEMPOTENCY],
        responses=_responses(
            {201: serializers.LeadDetailSerializer, 200: serializers.LeadDetailSerializer}
        ),
    )
    def post(self, request):
        _role(request, roles.MARKETING)
        data = _valid(serializers.LeadUpsertSerializer, request.data)
        lead, created = lead_upsert(
            user=request.user,
            token=request.auth,
            idempotency_key=_idempotency_key(request),
            **data,
        )
        lead = _visible_lead(request, lead.pk)
        return Response(serializers.LeadDetailSerializer(lead).data, status=201 if created else 200)


class LeadDetailView(ApiView):
    serializer_class = serializers.LeadDetailSerializer

    @extend_schema(
        operation_id="leads_read",
        summary="One lead you may see",
        responses=_responses({200: serializers.LeadDetailSerializer}),
    )
    def get(self, request, pk):
        return Response(serializers.LeadDetailSerializer(_visible_lead(request, pk)).data)

    @extend_schema(
        operation_id="leads_update",
        summary="Correct the fields a CRM owns (marketing, or the lead's salesperson)",
        request=serializers.LeadFieldsSerializer,
        responses=_responses({200: serializers.LeadDetailSerializer}),
    )
    def patch(self, request, pk):
        lead = _visible_lead(request, pk)
        data = _valid(serializers.LeadFieldsSerializer, request.data)
        lead_fields_update(lead=lead, user=request.user, token=request.auth, **data)
        return Response(serializers.LeadDetailSerializer(_visible_lead(request, pk)).data)


class LeadAttemptView(ApiView):
    serializer_class = serializers.AttemptSerializer

    @extend_schema(
        operation_id="leads_attempt_log",
        summary="Log one try to reach your lead (its salesperson)",
        request=serializers.AttemptInputSerializer,
        parameters=[IDEMPOTENCY],
        responses=_responses({201: serializers.AttemptSerializer}),
    )
    def post(self, request, pk):
        _role(request, roles.SALES)
        lead = _visible_lead(request, pk)
        data = _valid(serializers.AttemptInputSerializer, request.data)
        with transaction.atomic():
            attempt = lead_services.attempt_log(
                lead=lead, user=request.user, idempotency_key=_idempotency_key(request), **data
            )
            api_audit(
                token=request.auth,
                user=request.user,
                action="attempt.log",
                target=attempt,
                after={"lead": lead.pk, "channel": attempt.channel, "outcome": attempt.outcome},
            )
        return Response(serializers.AttemptSerializer(attempt).data, status=201)


class LeadPlayView(ApiView):
    serializer_class = serializers.LeadPlaySerializer

    @extend_schema(
        operation_id="leads_play",
        summary="The live play for a lead: its steps and the live versions to use",
        responses=_responses({200: serializers.LeadPlaySerializer}),
    )
    def get(self, request, pk):
        lead = _visible_lead(request, pk)
        steps = []
        if lead.play_id:
            for step in lead.play.steps.all():
                live = step.message.live_version if step.message_id else None
                steps.append(
                    {
                        "position": step.position,
                        "day_offset": step.day_offset,
                        "channel": step.channel,
                        "instruction": step.instruction,
                        "message_id": step.message_id,
                        "version": live.pk if live else None,
                    }
                )
        versions = selectors.with_passages(feedback_selectors.play_versions(lead=lead))
        body = {
            "lead": lead.pk,
            "play": lead.play.name if lead.play_id else None,
            "steps": steps,
            "versions": versions,
        }
        return Response(serializers.LeadPlaySerializer(body).data)


# --- Opportunities -------------------------------------------------------------------------


class OpportunityCreateView(ApiView):
    serializer_class = serializers.OpportunitySerializer

    @extend_schema(
        operation_id="opportunities_create",
        summary="Turn your accepted lead into a deal (its salesperson)",
        request=serializers.OpportunityInputSerializer,
        responses=_responses({201: serializers.OpportunitySerializer}),
    )
    def post(self, request):
        _role(request, roles.SALES)
        data = _valid(serializers.OpportunityInputSerializer, request.data)
        lead = _visible_lead(request, data.pop("lead"))
        with transaction.atomic():
            opportunity = lead_services.opportunity_create(lead=lead, user=request.user, **data)
            api_audit(
                token=request.auth,
                user=request.user,
                action="opportunity.create",
                target=opportunity,
                after={"lead": lead.pk, "amount": opportunity.amount},
            )
        return Response(serializers.OpportunitySerializer(opportunity).data, status=201)


class OpportunityCloseView(ApiView):
    serializer_class = serializers.OpportunitySerializer

    @extend_schema(
        operation_id="opportunities_close",
        summary="Close a deal won or lost with its amount (its salesperson or their manager)",
        request=serializers.OpportunityCloseSerializer,
        responses=_responses({200: serializers.OpportunitySerializer}),
    )
    def post(self, request, pk):
        _role(request, roles.SALES, roles.SALES_MANAGER)
        opportunity = selectors.opportunity_for(user=request.user, pk=pk)
        data = _valid(serializers.OpportunityCloseSerializer, request.data)
        with transaction.atomic():
            opportunity = lead_services.opportunity_close(
                opportunity=opportunity, user=request.user, **data
            )
            api_audit(
                token=request.auth,
                user=request.user,
                action="opportunity.close",
                target=opportunity,
                after={"won": data["won"], "amount": data["amount"]},
            )
        return Response(serializers.OpportunitySerializer(opportunity).data)


# --- Call logs ------------------------------------------------------------------------------


def _wording(version: MessageVersion | None, data: dict) -> str:
    """The wording said, whole: as sent, or rebuilt from per-passage edits the way the
    call log page does (passages not named said as written, "" left out)."""
    if version is None:
        return ""
    if "passages" in data:
        said = data["passages"]
        passages = list(version.passages.order_by("position"))
        unknown = sorted(set(said) - {p.key for p in passages})
        if unknown:
            raise ValidationError({"passages": [f"Not a passage of this version: {unknown[0]}"]})
        texts = [said.get(p.key, p.text).strip() for p in passages]
        return "\n\n".join(text for text in texts if text)
    return data.get("edited_body") or version.body


class CallLogCreateView(ApiView):
    serializer_class = serializers.CallLogSerializer

    @extend_schema(
        operation_id="call_logs_create",
        summary="Log a conversation on your lead, with the version used and the wording said",
        request=serializers.CallLogInputSerializer,
        parameters=[IDEMPOTENCY],
        responses=_responses({201: serializers.CallLogSerializer}),
    )
    def post(self, request):
        _role(request, roles.SALES)
        data = _valid(serializers.CallLogInputSerializer, request.data)
        lead = _visible_lead(request, data["lead"])
        version = None
        if data.get("version") is not None:
            try:
                version = feedback_selectors.readable_version(pk=data["version"])
            except Http404:
                raise ValidationError({"version": ["No such published version."]}) from None
        objection_ids = data.get("objections", [])
        objections = list(
            ObjectionTag.objects.filter(pk__in=objection_ids, status=ObjectionTag.Status.APPROVED)
        )
        if len(objections) != len(set(objection_ids)):
            raise ValidationError({"objections": ["Choose approved objections by their id."]})
        with transaction.atomic():
            call_log = feedback_services.call_log_create(
                user=request.user,
                lead=lead,
                version=version,
                reaction=data["reaction"],
                outcome=data["outcome"],
                edited_body=_wording(version, data),
                channel=data.get("channel", "call"),
                occurred_at=data.get("occurred_at"),
                objections=objections,
                new_objection_names=data.get("new_objections", []),
                quote=data.get("quote", ""),
                quote_passage_key=data.get("quote_passage_key", "") if version else "",
                notes=data.get("notes", ""),
                idempotency_key=_idempotency_key(request),
            )
            api_audit(
                token=request.auth,
                user=request.user,
                action="call_log.create",
                target=call_log,
                after={"lead": lead.pk, "version": version.pk if version else None},
            )
        call_log = feedback_selectors.call_log_detail(user=request.user, pk=call_log.pk)
        return Response(serializers.CallLogSerializer(call_log).data, status=201)


class CallLogDetailView(ApiView):
    serializer_class = serializers.CallLogSerializer

    @extend_schema(
        operation_id="call_logs_read",
        summary="One call log you may see",
        responses=_responses({200: serializers.CallLogSerializer}),
    )
    def get(self, request, pk):
        call_log = feedback_selectors.call_log_detail(user=request.user, pk=pk)
        return Response(serializers.CallLogSerializer(call_log).data)


# --- Messages, suggestions ------------------------------------------------------------------


class VersionListView(ApiView):
    pagination_class = Cursor
    serializer_class = serializers.VersionSerializer

    @extend_schema(
        operation_id="versions_live",
        summary="Every live version with its passages",
        responses=_responses({200: serializers.VersionSerializer(many=True)}),
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.live_versions())
        return self.get_paginated_response(serializers.VersionSerializer(page, many=True).data)


class VersionDetailView(ApiView):
    serializer_class = serializers.VersionSerializer

    @extend_schema(
        operation_id="versions_read",
        summary="One published version (live or retired) with its passages",
        responses=_responses({200: serializers.VersionSerializer}),
    )
    def get(self, request, pk):
        version = feedback_selectors.readable_version(pk=pk)
        return Response(serializers.VersionSerializer(version).data)


class SuggestionListView(ApiView):
    pagination_class = Cursor
    serializer_class = serializers.SuggestionSerializer

    @extend_schema(
        operation_id="suggestions_list",
        summary="Suggestions from sales' wording, read-only (marketing)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Suggestion.Status.values)),
            OpenApiParameter("title", OpenApiTypes.STR),
            OpenApiParameter("message", OpenApiTypes.INT),
            OpenApiParameter("min_reps", OpenApiTypes.INT),
        ],
        responses=_responses({200: serializers.SuggestionSerializer(many=True)}),
    )
    def get(self, request):
        _role(request, roles.MARKETING)
        filters = request.query_params.copy()
        for name in ("cursor", "page_size"):
            filters.pop(name, None)
        filterset = feedback_selectors.suggestion_inbox(data=filters)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(serializers.SuggestionSerializer(page, many=True).data)
