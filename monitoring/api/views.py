from datetime import timedelta

import django_filters
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import ModelOrderingFilter
from core.api.viewsets import ReadOnlyScopedViewSet, ScopedCreateReadViewSet
from core.exceptions import ApplicationError
from core.filters import IdChoiceFilter, visible
from lifecycle.models import AIModel, ModelVersion
from monitoring import actions, comparisons, cost, feedback, retraining, selectors, services, value
from monitoring.api import serializers as s
from monitoring.choices import AlertStatus, MetricKind, RetrainingStatus, RetrainingTrigger, Severity
from monitoring.filters import AlertWindowFilterSet
from monitoring.models import (
    ActionProposal,
    Alert,
    AlertRule,
    Budget,
    Feedback,
    MetricDefinition,
    MetricSeries,
    RetrainingRequest,
    SyncRun,
    ValueContract,
)
from portfolio.models import BusinessUnit, UseCase


class MetricSeriesFilterSet(django_filters.FilterSet):
    model_version = IdChoiceFilter(queryset=visible(ModelVersion))
    name = django_filters.CharFilter(field_name="metric__name")
    kind = django_filters.ChoiceFilter(field_name="metric__kind", choices=MetricKind.choices)

    class Meta:
        model = MetricSeries
        fields = ["model_version", "name", "kind", "run_id"]


class RetrainingRequestFilterSet(django_filters.FilterSet):
    model = IdChoiceFilter(queryset=visible(AIModel))
    status = django_filters.MultipleChoiceFilter(choices=RetrainingStatus.choices)
    trigger = django_filters.MultipleChoiceFilter(choices=RetrainingTrigger.choices)

    class Meta:
        model = RetrainingRequest
        fields = ["model", "status", "trigger"]


class AlertFilterSet(AlertWindowFilterSet):
    rule = IdChoiceFilter(queryset=visible(AlertRule))
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)

    class Meta(AlertWindowFilterSet.Meta):
        fields = ["model_version", "rule", "status", "severity", "metric"]


def _ms(request, name: str) -> int | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        at = parse_datetime(text)
    except ValueError:  # well formed but impossible, e.g. month 13
        at = None
    if at is None:
        raise ApplicationError(
            f"{name}: give an ISO date-time, e.g. 2026-06-30T00:00:00Z.", details={name: ["Invalid."]}
        )
    if at.tzinfo is None:
        raise ApplicationError(f"{name}: give a time zone, e.g. 2026-06-30T00:00:00Z.", details={name: ["Invalid."]})
    return int(at.timestamp() * 1000)


class MetricSeriesViewSet(ReadOnlyScopedViewSet):
    """Metric series pulled from MLflow, one per version, run and catalogued metric; `points` lists values."""

    queryset = MetricSeries.objects.select_related("metric")
    serializer_class = s.MetricSeriesSerializer
    filterset_class = MetricSeriesFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Points at or after (ISO, with zone)"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Points at or before (ISO, with zone)"),
        ],
        responses=s.MetricPointSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def points(self, request, pk=None):
        """The series' points in time order (timestamp in ms since epoch, as MLflow keeps it), paginated."""
        points = selectors.points_of(
            series=self.get_object(), since_ms=_ms(request, "since"), until_ms=_ms(request, "until")
        )
        page = self.paginate_queryset(points)
        return self.get_paginated_response(s.MetricPointSerializer(page, many=True).data)


class AlertRuleViewSet(ScopedCreateReadViewSet):
    """Alert rules: a condition on a metric for a model, a version, a risk tier or a business unit."""

    queryset = AlertRule.objects.select_related("metric")
    serializer_class = s.AlertRuleSerializer
    filterset_fields = ["metric", "scope_kind", "condition", "severity", "action", "active"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        # Naming a model or version the caller may not see answers as if it did not exist.
        for field in ("model", "model_version"):
            if data.get(field) is not None:
                visible = type(data[field]).objects.restrict(self.request.user, "view")
                data[field] = get_object_or_404(visible, pk=data[field].pk)
        serializer.instance = services.alert_rule_create(actor=self.request.user, **data)


class NullsLastOrderingFilter(ModelOrderingFilter):
    """`?ordering=-money_at_risk` puts the alerts without a value at risk last, on every database."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms = [
            F(term[1:]).desc(nulls_last=True) if term.startswith("-") else F(term).asc(nulls_last=True)
            for term in ordering
        ]
        return queryset.order_by(*terms, "-pk")


class AlertViewSet(ReadOnlyScopedViewSet):
    """Alerts, scoped like their model version; `acknowledge` and `resolve` act on them. `?ordering=-money_at_risk`
    sorts by the value per day they put at risk (alerts without one last)."""

    # The proposal's summary names its version by the version's model ("suspend churn v3"): joined, not one query
    # per alert.
    queryset = Alert.objects.select_related(
        "series__metric",
        "action_proposal__model",
        "action_proposal__version__model",
        "action_proposal__restore_version",
    )
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilterSet
    filter_backends = [DjangoFilterBackend, NullsLastOrderingFilter]
    ordering_fields = ["created_at", "money_at_risk", "last_breach_at", "severity"]

    def _proposal(self) -> ActionProposal:
        proposal = ActionProposal.objects.filter(alert=self.get_object()).first()
        if proposal is None:
            raise Http404("The alert proposes no rollback or suspension.")
        return proposal

    @extend_schema(responses=s.ActionProposalSerializer)
    @action(detail=True, methods=["get"], filterset_class=None)
    def proposal(self, request, pk=None):
        """What the alert proposes to do to its model (404 when its rule proposes nothing)."""
        return Response(s.ActionProposalSerializer(self._proposal()).data)

    @extend_schema(request=s.ProposalConfirmSerializer, responses=s.ActionProposalSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="proposal/confirm",
        action_permission="custom",
        serializer_class=s.ProposalConfirmSerializer,
    )
    def proposal_confirm(self, request, pk=None):
        """Confirm the proposal: the rollback or suspension runs as you, with your permissions ({"note": "..."})."""
        data = s.ProposalConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = actions.action_proposal_confirm(actor=request.user, proposal=self._proposal(), **data.validated_data)
        return Response(s.ActionProposalSerializer(done).data)

    @extend_schema(request=s.ProposalDismissSerializer, responses=s.ActionProposalSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="proposal/dismiss",
        action_permission="custom",
        serializer_class=s.ProposalDismissSerializer,
    )
    def proposal_dismiss(self, request, pk=None):
        """Leave the model as it is, and say why: {"note": "..."}."""
        data = s.ProposalDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = actions.action_proposal_dismiss(actor=request.user, proposal=self._proposal(), **data.validated_data)
        return Response(s.ActionProposalSerializer(done).data)

    @extend_schema(request=s.AcknowledgeSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.AcknowledgeSerializer)
    def acknowledge(self, request, pk=None):
        """Take the alert: {"note": "..."}; it stays active until resolved."""
        data = s.AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_acknowledge(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response(s.AlertSerializer(alert).data)

    @extend_schema(request=s.ResolveSerializer, responses=s.AlertSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.ResolveSerializer)
    def resolve(self, request, pk=None):
        """Close the alert: {"root_cause": "data_issue", "note": "what was found and done"}."""
        data = s.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_resolve(actor=request.user, alert=self.get_object(), **data.validated_data)
        return Response(s.AlertSerializer(alert).data)


class SyncRunViewSet(ReadOnlyScopedViewSet):
    """MLflow sync runs: when, versions, points inserted and skipped, errors."""

    queryset = SyncRun.objects.all()
    serializer_class = s.SyncRunSerializer
    filterset_fields = ["status", "trigger"]


# --- Cost and budgets ----------------------------------------------------------------------------------


class BudgetFilterSet(django_filters.FilterSet):
    model = IdChoiceFilter(queryset=visible(AIModel))
    business_unit = django_filters.ModelChoiceFilter(queryset=BusinessUnit.objects.all())

    class Meta:
        model = Budget
        fields = ["model", "business_unit"]


class BudgetViewSet(ScopedCreateReadViewSet):
    """Monthly cost budgets (USD) of models and business units; set (again) with POST, by program managers
    and admins of the unit."""

    queryset = Budget.objects.select_related("model", "business_unit")
    serializer_class = s.CostBudgetSerializer
    action_permission = "custom"  # budget_set checks monitoring.manage_budget in the unit
    filterset_class = BudgetFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("model") is not None:  # a model the caller may not see answers as if it did not exist
            data["model"] = get_object_or_404(AIModel.objects.restrict(self.request.user, "view"), pk=data["model"].pk)
        serializer.instance = services.budget_set(actor=self.request.user, **data)


class CostReportView(APIView):
    """Monthly spend by business unit (the current month partial), the 6-month forecast per unit and in total,
    the budget lines and the models over budget this month, all limited to what the caller may see."""

    @extend_schema(parameters=[s.CostQuerySerializer], responses=s.CostReportSerializer, operation_id="costs_retrieve")
    def get(self, request):
        query = s.CostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit, months, ahead = (
            query.validated_data.get("unit") or None,
            *(query.validated_data[k] for k in ("months", "ahead")),
        )
        if unit is not None and not BusinessUnit.objects.filter(code=unit).exists():
            raise ApplicationError(f"unit: no business unit has the code “{unit}”.", details={"unit": ["Unknown."]})
        history, forecast = cost.spend_and_forecast(user=request.user, unit=unit, months=months, ahead=ahead)
        report = {
            "unit": unit,
            "method": cost.forecast_method(),
            "history": history,
            "forecast": forecast,
            "budgets": cost.budget_lines(user=request.user, unit=unit, months=months, ahead=ahead),
            "over_budget": cost.models_over_budget(user=request.user, unit=unit),
        }
        return Response(s.CostReportSerializer(report).data)


class RetrainingRequestViewSet(ScopedCreateReadViewSet):
    """Retraining requests (trigger alert, schedule or manual); POST opens a manual one {"model", "notes"};
    `start`, `link` (the answering version) and `decline` act on them. Owners of the model and admins act."""

    queryset = RetrainingRequest.objects.all()
    serializer_class = s.RetrainingRequestSerializer
    filterset_class = RetrainingRequestFilterSet

    def perform_create(self, serializer):
        model = get_object_or_404(
            AIModel.objects.restrict(self.request.user, "view"), pk=serializer.validated_data["model"].pk
        )
        serializer.instance = retraining.retraining_request_open(
            actor=self.request.user, model=model, notes=serializer.validated_data["notes"]
        )

    @extend_schema(request=s.RetrainingStartSerializer, responses=s.RetrainingRequestSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.RetrainingStartSerializer)
    def start(self, request, pk=None):
        """Someone retrains the model now: {"note": "..."}."""
        data = s.RetrainingStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = retraining.retraining_request_start(actor=request.user, request=self.get_object(), **data.validated_data)
        return Response(s.RetrainingRequestSerializer(done).data)

    @extend_schema(request=s.RetrainingLinkSerializer, responses=s.RetrainingRequestSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.RetrainingLinkSerializer)
    def link(self, request, pk=None):
        """A new version of the model answers the request, which is then done: {"version": id}."""
        data = s.RetrainingLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = self.get_object()
        version = get_object_or_404(
            ModelVersion.objects.restrict(request.user, "view"), pk=data.validated_data["version"]
        )
        done = retraining.retraining_request_link_version(actor=request.user, request=found, version=version)
        return Response(s.RetrainingRequestSerializer(done).data)

    @extend_schema(request=s.RetrainingDeclineSerializer, responses=s.RetrainingRequestSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.RetrainingDeclineSerializer)
    def decline(self, request, pk=None):
        """No retraining, and why: {"reason": "..."}."""
        data = s.RetrainingDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = retraining.retraining_request_decline(
            actor=request.user, request=self.get_object(), **data.validated_data
        )
        return Response(s.RetrainingRequestSerializer(done).data)


class ComparisonView(APIView):
    """Two versions on one metric over a window: a two-proportion z-test for a proportion logged with request
    counts, Welch's t-test on the points otherwise, and the verdict in words (the same computation as the
    comparison page). Both versions must be visible to the caller."""

    @extend_schema(
        parameters=[s.ComparisonQuerySerializer], responses=s.ComparisonSerializer, operation_id="comparisons_retrieve"
    )
    def get(self, request):
        query = s.ComparisonQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        visible_versions = ModelVersion.objects.restrict(request.user, "view")
        candidate = get_object_or_404(visible_versions, pk=data["candidate"])
        incumbent = get_object_or_404(visible_versions, pk=data["incumbent"])
        metric = MetricDefinition.objects.filter(name=data["metric"]).first()
        if metric is None:
            raise ApplicationError(
                f"metric: no catalogued metric is called “{data['metric']}”.", details={"metric": ["Unknown."]}
            )
        since = int((timezone.now() - timedelta(days=data["days"])).timestamp() * 1000)
        result = comparisons.compare_versions(candidate=candidate, incumbent=incumbent, metric=metric, since_ms=since)
        return Response(
            s.ComparisonSerializer(
                {
                    "candidate": candidate.pk,
                    "incumbent": incumbent.pk,
                    "metric": metric.name,
                    "days": data["days"],
                    "test": result.test,
                    "candidate_points": len(result.candidate_values),
                    "incumbent_points": len(result.incumbent_values),
                    "candidate_mean": result.candidate_mean,
                    "incumbent_mean": result.incumbent_mean,
                    "t_statistic": result.t_statistic,
                    "z_statistic": result.z_statistic,
                    "candidate_rate": result.candidate_rate,
                    "incumbent_rate": result.incumbent_rate,
                    "candidate_requests": result.candidate_trials,
                    "incumbent_requests": result.incumbent_trials,
                    "p_value": result.p_value,
                    "candidate_better": result.candidate_better,
                    "verdict": result.verdict,
                }
            ).data
        )


# --- Feedback and outcomes ---------------------------------------------------------------------------------


class FeedbackFilterSet(django_filters.FilterSet):
    model_version = IdChoiceFilter(queryset=visible(ModelVersion))
    model = IdChoiceFilter(field_name="model_version__model", queryset=visible(AIModel))
    rating = django_filters.NumberFilter()

    class Meta:
        model = Feedback
        fields = ["model_version", "model", "rating"]


class FeedbackViewSet(ScopedCreateReadViewSet):
    """Feedback on predictions: POST {"model_version", "prediction_id", "expected", "comment", "rating": 1-5};
    anyone who may see the version gives it; ratings of 2 or less tell the model's owners."""

    queryset = Feedback.objects.select_related("model_version")
    serializer_class = s.PredictionFeedbackSerializer
    filterset_class = FeedbackFilterSet
    action_permission = "custom"  # feedback_give: anyone who sees the version

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        version = get_object_or_404(
            ModelVersion.objects.restrict(self.request.user, "view").select_related("model"),
            pk=data.pop("model_version").pk,
        )
        serializer.instance = feedback.feedback_give(actor=self.request.user, version=version, **data)


class OutcomeBatchView(APIView):
    """Actual outcomes of predictions, posted in batches by the systems that learn them:
    {"model_version": id, "items": [{"prediction_id", "predicted", "actual", "at"}]} (labels as strings, at most
    10,000 items). Idempotent: a re-post inserts nothing; a changed outcome is refused (409)."""

    @extend_schema(request=s.OutcomeBatchDocSerializer, responses={201: s.OutcomeBatchResultSerializer})
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ApplicationError("Give an object {model_version, items}.", details={"items": ["Required."]})
        data = s.OutcomeBatchSerializer(data={"model_version": request.data.get("model_version"), "items": []})
        data.is_valid(raise_exception=True)
        version = get_object_or_404(
            ModelVersion.objects.restrict(request.user, "view").select_related("model__use_case__business_unit"),
            pk=data.validated_data["model_version"],
        )
        batch = feedback.outcomes_record(actor=request.user, version=version, items=request.data.get("items"))
        return Response(s.OutcomeBatchResultSerializer(batch).data, status=201)


# --- Value contracts ----------------------------------------------------------------------------------


def _use_case(request, pk: int) -> UseCase:
    return get_object_or_404(UseCase.objects.restrict(request.user, "view"), pk=pk)


class ValueContractView(APIView):
    """A use case's value contract: GET it (404 when none is set); PUT {"formula", "constants": {name: number},
    "currency"} declares or changes it (those who may change the use case), and realises the last 30 days."""

    @extend_schema(responses=s.ValueContractSerializer, operation_id="use_cases_value_contract_retrieve")
    def get(self, request, pk: int):
        contract = ValueContract.objects.filter(use_case=_use_case(request, pk)).first()
        if contract is None:
            raise NotFound("No value contract is set for this use case.")
        return Response(s.ValueContractSerializer(contract).data)

    @extend_schema(
        request=s.ValueContractInputSerializer,
        responses=s.ValueContractSerializer,
        operation_id="use_cases_value_contract_update",
    )
    def put(self, request, pk: int):
        use_case = _use_case(request, pk)
        data = s.ValueContractInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = value.value_contract_set(actor=request.user, use_case=use_case, **data.validated_data)
        return Response(s.ValueContractSerializer(contract).data)


class RealisedValueListView(ListAPIView):
    """The value a use case realised per day by its contract, newest first; `?since=` and `?until=` (dates)."""

    serializer_class = s.ValueRealisationSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, description="Days on or after"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="Days on or before"),
        ],
        operation_id="use_cases_realised_values_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        use_case = _use_case(self.request, self.kwargs["pk"])
        rows = value.realisation_list(user=self.request.user, use_case=use_case).order_by("-day")
        for name, lookup in (("since", "day__gte"), ("until", "day__lte")):
            text = self.request.query_params.get(name)
            if text:
                try:
                    day = parse_date(text)
                except ValueError:
                    day = None
                if day is None:
                    raise ApplicationError(f"{name}: give a date, e.g. 2026-06-30.", details={name: ["Invalid."]})
                rows = rows.filter(**{lookup: day})
        return rows
