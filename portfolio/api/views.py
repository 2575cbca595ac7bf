from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.viewsets import ReadOnlyScopedViewSet, ScopedCreateReadViewSet, ScopedViewSet
from core.exceptions import ApplicationError
from portfolio import csv_io, selectors, services
from portfolio.api import serializers as s
from portfolio.conflicts import plan_conflicts
from portfolio.filters import (
    BusinessUnitFilterSet,
    KPIFilterSet,
    ObjectiveFilterSet,
    ScoringCriterionFilterSet,
    UseCaseFilterSet,
)
from portfolio.models import (
    KPI,
    Agreement,
    Assumption,
    BusinessUnit,
    Capability,
    Dependency,
    Objective,
    PersonSkill,
    PortfolioReview,
    RoadmapItem,
    ScoringCriterion,
    Skill,
    StopLoss,
    Team,
    UseCase,
    Wave,
)
from portfolio.planning import recommend_plan
from portfolio.ranking import calibrate, ranking
from portfolio.services.scoring import parse_weight


class BusinessUnitViewSet(ReadOnlyScopedViewSet):
    """Business units. Created and changed by platform admins (admin pages)."""

    queryset = BusinessUnit.objects.all()
    serializer_class = s.BusinessUnitSerializer
    filterset_class = BusinessUnitFilterSet
    ordering_fields = ["code", "name"]


class ObjectiveViewSet(ScopedViewSet):
    """Strategic objectives; `business_unit` empty means enterprise-wide."""

    queryset = Objective.objects.all()
    serializer_class = s.ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    ordering_fields = ["title", "horizon"]

    def get_queryset(self):
        return selectors.objective_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.objective_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.objective_update(
            actor=self.request.user, objective=serializer.instance, **serializer.validated_data
        )


class KPIViewSet(ScopedViewSet):
    """KPIs of objectives, with their latest measurement; measurements under `kpis/{id}/measurements`."""

    queryset = KPI.objects.all()
    serializer_class = s.KPISerializer
    filterset_class = KPIFilterSet
    ordering_fields = ["name", "target_date"]

    def get_queryset(self):
        return selectors.kpi_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.kpi_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.kpi_update(
            actor=self.request.user, kpi=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=s.KPIMeasurementSerializer, responses=s.KPIMeasurementSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.KPIMeasurementSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def measurements(self, request, pk=None):
        """GET the KPI's measurements over time; POST {"measured_on", "value", "note"} to record one."""
        kpi = self.get_object()
        if request.method == "POST":
            data = s.KPIMeasurementSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            measurement = services.kpi_measurement_record(actor=request.user, kpi=kpi, **data.validated_data)
            return Response(s.KPIMeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)
        return Response(s.KPIMeasurementSerializer(selectors.kpi_measurements(kpi=kpi), many=True).data)


class CapabilityViewSet(ScopedCreateReadViewSet):
    """Business capabilities (a tree through `parent`) that use cases support."""

    queryset = Capability.objects.select_related("parent")
    serializer_class = s.CapabilitySerializer
    filterset_fields = ["parent"]

    create_service = staticmethod(services.capability_create)


class UseCaseViewSet(ScopedViewSet):
    """AI use cases. Confidential ones are visible to their business unit, grantees and executives."""

    queryset = UseCase.objects.all()
    serializer_class = s.UseCaseSerializer
    filterset_class = UseCaseFilterSet
    ordering_fields = ["number", "title", "estimated_value", "estimated_cost", "created_at"]

    def get_queryset(self):
        return selectors.use_case_detail_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.use_case_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.use_case_update(
            actor=self.request.user, use_case=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=s.TransitionSerializer, responses=s.UseCaseSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.TransitionSerializer)
    def transition(self, request, pk=None):
        """Move the use case through its workflow: {"to": "assessing", "reason": "..."}; 409 if not allowed."""
        use_case = self.get_object()
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        use_case = services.use_case_transition(
            actor=request.user,
            use_case=use_case,
            to_status=data.validated_data["to"],
            reason=data.validated_data["reason"],
        )
        return Response(s.UseCaseSerializer(self.get_queryset().get(pk=use_case.pk)).data)

    @extend_schema(request=s.ScoreSerializer, responses=s.ScoreSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.ScoreSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def scores(self, request, pk=None):
        """GET every score given (history included); POST {"criterion", "score", "rationale"} to score."""
        use_case = self.get_object()
        if request.method == "POST":
            data = s.ScoreSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            score = services.score_record(actor=request.user, use_case=use_case, **data.validated_data)
            return Response(s.ScoreSerializer(score).data, status=status.HTTP_201_CREATED)
        return Response(s.ScoreSerializer(selectors.use_case_scores(use_case=use_case), many=True).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, filters=True)
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request):
        """The use cases you may see (filters apply) as CSV, in the columns the import takes."""
        text = csv_io.use_cases_to_csv(self.filter_queryset(self.get_queryset()))
        return HttpResponse(
            text,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="lodestar-use-cases.csv"'},
        )

    @extend_schema(request=s.ImportRequestSerializer, responses=s.ImportReportSerializer)
    @action(detail=False, methods=["post"], url_path="import", serializer_class=s.ImportRequestSerializer)
    def import_csv(self, request):
        """Import use cases from CSV text. All or nothing unless `valid_rows_only`; the report is per row."""
        data = s.ImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = csv_io.use_cases_import(
            actor=request.user,
            file_text=data.validated_data["csv"],
            valid_rows_only=data.validated_data["valid_rows_only"],
        )
        return Response(
            s.ImportReportSerializer(report).data,
            status=status.HTTP_201_CREATED if report.applied else status.HTTP_400_BAD_REQUEST,
        )

    def _sub_resource(self, request, serializer_class, service, listed, **extra):
        """GET the use case's rows; POST one through its service and answer with the rows again."""
        use_case = self.get_object()
        if request.method == "POST":
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            service(actor=request.user, use_case=use_case, **extra, **data.validated_data)
        return Response(
            serializer_class(listed(use_case), many=True).data,
            status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK,
        )

    @extend_schema(request=s.ReadinessSerializer, responses=s.ReadinessSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.ReadinessSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def readiness(self, request, pk=None):
        """The go-live checklist; POST {"item", "evidence"} ticks one. Going live needs every item."""
        return self._sub_resource(
            request, s.ReadinessSerializer, services.readiness_check, lambda uc: uc.readiness.all()
        )

    @extend_schema(request=s.ChangeActionSerializer, responses=s.ChangeActionSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        url_path="change-actions",
        serializer_class=s.ChangeActionSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def change_actions(self, request, pk=None):
        """Change-impact actions (roles affected, reskilling, champions, communication) with owners and dates."""
        return self._sub_resource(
            request, s.ChangeActionSerializer, services.change_action_add, lambda uc: uc.change_actions.all()
        )

    @extend_schema(request=s.BenefitReviewSerializer, responses=s.BenefitReviewSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        url_path="benefit-reviews",
        serializer_class=s.BenefitReviewSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def benefit_reviews(self, request, pk=None):
        """Post-implementation reviews: realised value and KPI movement of a live use case."""
        return self._sub_resource(
            request, s.BenefitReviewSerializer, services.benefit_review_record, lambda uc: uc.benefit_reviews.all()
        )

    @extend_schema(request=s.SkillNeedSerializer, responses=s.SkillNeedSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        url_path="skill-needs",
        serializer_class=s.SkillNeedSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def skill_needs(self, request, pk=None):
        """Skills the use case needs, with the level."""
        return self._sub_resource(
            request, s.SkillNeedSerializer, services.skill_need_set, lambda uc: uc.skill_needs.all()
        )

    @extend_schema(request=s.StopLossSerializer, responses=s.StopLossSerializer)
    @action(
        detail=True,
        methods=["get", "put"],
        action_permission="custom",
        url_path="stop-loss",
        serializer_class=s.StopLossSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def stop_loss(self, request, pk=None):
        """The stop-loss criterion and its status (pending, met, missed); PUT sets it."""
        use_case = self.get_object()
        if request.method == "PUT":
            data = s.StopLossSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            stop = services.stop_loss_set(actor=request.user, use_case=use_case, **data.validated_data)
        else:
            stop = StopLoss.objects.filter(use_case=use_case).select_related("kpi").first()
        if stop is None:
            raise NotFound("No stop-loss is set for this use case.")
        return Response(s.StopLossSerializer(stop).data)

    @extend_schema(request=s.RaciSerializer, responses=s.RaciSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.RaciSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def raci(self, request, pk=None):
        """GET the RACI; POST {"person", "role": "R"|"A"|"C"|"I"}; a new accountable person replaces the old."""
        use_case = self.get_object()
        if request.method == "POST":
            data = s.RaciSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.raci_assign(actor=request.user, use_case=use_case, **data.validated_data)
        entries = use_case.raci.select_related("person")
        return Response(
            s.RaciSerializer(entries, many=True).data,
            status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK,
        )

    @extend_schema(request=s.UseCaseObjectiveSerializer, responses=s.UseCaseObjectiveSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.UseCaseObjectiveSerializer)
    def objectives(self, request, pk=None):
        """Link the use case to an objective (and KPI, with the expected contribution)."""
        use_case = self.get_object()
        data = s.UseCaseObjectiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.use_case_link_objective(actor=request.user, use_case=use_case, **data.validated_data)
        return Response(s.UseCaseObjectiveSerializer(link).data, status=status.HTTP_201_CREATED)


class ScoringCriterionViewSet(ScopedViewSet):
    """The ranking's criteria; platform admins set weights, directions and rubrics."""

    queryset = ScoringCriterion.objects.all()
    serializer_class = s.ScoringCriterionSerializer
    filterset_class = ScoringCriterionFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        key = self.request.data.get("key") or ""
        serializer.instance = services.scoring_criterion_create(actor=self.request.user, key=key, **data)

    def perform_update(self, serializer):
        serializer.instance = services.scoring_criterion_update(
            actor=self.request.user, criterion=serializer.instance, **serializer.validated_data
        )


def weight_overrides(query_params) -> dict[str, Decimal]:
    """`weight_<criterion key>=<number>` query parameters, validated."""
    return {
        name.removeprefix("weight_"): parse_weight(value, field=name)
        for name, value in query_params.items()
        if name.startswith("weight_") and value != ""
    }


class RankingViewSet(viewsets.GenericViewSet):
    """The backlog (proposed, assessing, approved) ranked by weighted score, computed in the database.

    Override any criterion's weight for this request with `?weight_<key>=<number>` (e.g. `weight_roi=5`);
    each row then says how far it moved from the rank under the saved weights."""

    queryset = UseCase.objects.none()
    serializer_class = s.RankingRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("weight_<key>", OpenApiTypes.NUMBER, description="Weight override for criterion <key>."),
            OpenApiParameter("business_unit", OpenApiTypes.INT, description="Only this business unit."),
        ]
    )
    def list(self, request):
        overrides = weight_overrides(request.query_params)
        known = set(selectors.scoring_criteria(active_only=True).values_list("key", flat=True))
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ApplicationError(
                f"Unknown criteria: {', '.join(unknown)}. Known: {', '.join(sorted(known))}.",
                details={f"weight_{k}": ["Unknown criterion."] for k in unknown},
            )
        # The use-case filters apply (business_unit, objective, capability...), validated like the list's.
        filterset = UseCaseFilterSet(request.query_params, queryset=selectors.use_case_list(user=request.user))
        if not filterset.is_valid():
            raise ApplicationError(
                "Invalid filter: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()),
                details=filterset.errors,
            )
        use_cases = filterset.qs
        rows = ranking(queryset=use_cases, overrides=overrides)
        if request.query_params.get("calibrated") == "1":
            rows = calibrate(rows, selectors.calibration_factors(user=request.user))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.RankingRowSerializer(page, many=True).data)


# --- Roadmap --------------------------------------------------------------------------------------


class TeamViewSet(ScopedCreateReadViewSet):
    """Delivery teams the waves plan capacity for."""

    queryset = Team.objects.select_related("business_unit")
    serializer_class = s.TeamSerializer

    create_service = staticmethod(services.team_create)


class WaveViewSet(ScopedCreateReadViewSet):
    """Planning waves with each team's capacity in person-days."""

    queryset = Wave.objects.prefetch_related("capacities")
    serializer_class = s.WaveSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        capacities = {row["team"]: row["person_days"] for row in data.pop("capacities", [])}
        serializer.instance = services.wave_create(actor=self.request.user, capacities=capacities, **data)


class RoadmapItemViewSet(ScopedCreateReadViewSet):
    """Use cases planned in waves. POST plans (or re-plans) an approved use case; conflicts at `conflicts/`."""

    queryset = RoadmapItem.objects.all()
    serializer_class = s.RoadmapItemSerializer
    filterset_fields = ["wave"]
    action_permission = "custom"  # planning is a change of the use case; the service checks it

    def get_queryset(self):
        return selectors.roadmap_items(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        use_case = get_object_or_404(selectors.use_case_list(user=self.request.user), pk=data.pop("use_case").pk)
        efforts = {row["team"]: row["person_days"] for row in data.pop("efforts")}
        serializer.instance = services.roadmap_plan(actor=self.request.user, use_case=use_case, efforts=efforts, **data)

    @extend_schema(responses=s.ConflictSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_fields=None)
    def conflicts(self, request):
        """Dependencies planned out of order, teams over capacity, agreements past due."""
        found = plan_conflicts(use_cases=selectors.use_case_list(user=request.user))
        return Response(s.ConflictSerializer(found, many=True).data)


class RecommendationViewSet(viewsets.GenericViewSet):
    """The recommended plan for the use cases you may see: GET shows it, POST `apply/` applies it.

    `budget` (query parameter for GET, body field for POST) caps the annual cost of what is planned."""

    queryset = RoadmapItem.objects.none()
    serializer_class = s.PlanProposalSerializer
    action_permission = "custom"  # applying re-plans each use case through the service, which checks it

    def _budget(self, data):
        budget = s.BudgetSerializer(data=data)
        budget.is_valid(raise_exception=True)
        return budget.validated_data.get("budget")

    @extend_schema(parameters=[OpenApiParameter("budget", OpenApiTypes.NUMBER)], responses=s.PlanProposalSerializer)
    def list(self, request):
        proposal = recommend_plan(
            use_cases=selectors.use_case_list(user=request.user), budget=self._budget(request.query_params)
        )
        return Response(s.PlanProposalSerializer(proposal).data)

    @extend_schema(request=s.BudgetSerializer, responses=s.PlanProposalSerializer)
    @action(detail=False, methods=["post"], serializer_class=s.BudgetSerializer)
    def apply(self, request):
        """Apply the plan (recomputed now); answers with the plan as it stands afterwards."""
        budget = self._budget(request.data)
        use_cases = selectors.use_case_list(user=request.user)
        services.roadmap_apply_recommendation(actor=request.user, use_cases=use_cases, budget=budget)
        return Response(s.PlanProposalSerializer(recommend_plan(use_cases=use_cases, budget=budget)).data)


class DependencyViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`use_case` needs `depends_on` first; cycles are refused."""

    queryset = Dependency.objects.none()
    serializer_class = s.DependencySerializer
    filterset_fields = ["use_case", "depends_on"]
    action_permission = "custom"

    def get_queryset(self):
        visible = selectors.use_case_list(user=self.request.user).values("pk")
        return Dependency.objects.filter(use_case__in=visible, depends_on__in=visible)

    def perform_create(self, serializer):
        visible = selectors.use_case_list(user=self.request.user)
        data = serializer.validated_data
        serializer.instance = services.dependency_add(
            actor=self.request.user,
            use_case=get_object_or_404(visible, pk=data["use_case"].pk),
            depends_on=get_object_or_404(visible, pk=data["depends_on"].pk),
            note=data.get("note", ""),
        )


class AgreementViewSet(ScopedCreateReadViewSet):
    """Agreements between units that the plan relies on (data access, deployment SLAs)."""

    queryset = Agreement.objects.select_related("provider", "consumer", "owner")
    serializer_class = s.AgreementSerializer
    filterset_fields = ["status", "provider", "consumer", "kind"]

    create_service = staticmethod(services.agreement_create)

    @extend_schema(request=s.AgreementStatusSerializer, responses=s.AgreementSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.AgreementStatusSerializer)
    def status(self, request, pk=None):
        """Mark the agreement met or broken (or open again), with a reason."""
        data = s.AgreementStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_set_status(
            actor=request.user, agreement=self.get_object(), **data.validated_data
        )
        return Response(s.AgreementSerializer(agreement).data)


# --- Assumptions and reviews ---------------------------------------------------------------------------


class AssumptionViewSet(ScopedCreateReadViewSet):
    """Strategic assumptions with owners and review dates; `overdue` flags those past their date."""

    queryset = Assumption.objects.select_related("owner")
    serializer_class = s.AssumptionSerializer
    filterset_fields = ["status", "owner", "business_unit", "objective", "use_case"]

    create_service = staticmethod(services.assumption_create)

    @extend_schema(request=s.AssumptionReviewSerializer, responses=s.AssumptionSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.AssumptionReviewSerializer)
    def review(self, request, pk=None):
        """Record a check: {"status": "holding", "note", "next_review_date"} or invalidated/retired."""
        data = s.AssumptionReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assumption = services.assumption_review(actor=request.user, assumption=self.get_object(), **data.validated_data)
        return Response(s.AssumptionSerializer(assumption).data)


class PortfolioReviewViewSet(ScopedCreateReadViewSet):
    """Quarterly portfolio reviews; decisions per use case under `portfolio-reviews/{id}/decisions`."""

    queryset = PortfolioReview.objects.prefetch_related("attendees")
    serializer_class = s.PortfolioReviewSerializer
    filterset_fields = ["quarter"]

    create_service = staticmethod(services.portfolio_review_create)

    @extend_schema(request=s.ReviewDecisionSerializer, responses=s.ReviewDecisionSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.ReviewDecisionSerializer,
        filterset_fields=None,
        pagination_class=None,
    )
    def decisions(self, request, pk=None):
        """GET the decisions you may see; POST {"use_case", "decision", "notes", budgets} to decide and apply."""
        review = self.get_object()
        visible = selectors.use_case_list(user=request.user)
        if request.method == "POST":
            data = s.ReviewDecisionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            use_case = get_object_or_404(visible, pk=fields.pop("use_case").pk)
            entry = services.review_decide(actor=request.user, review=review, use_case=use_case, **fields)
            return Response(s.ReviewDecisionSerializer([entry], many=True).data, status=status.HTTP_201_CREATED)
        entries = review.decisions.filter(use_case__in=visible.values("pk"))
        return Response(s.ReviewDecisionSerializer(entries, many=True).data)


class SkillViewSet(ScopedCreateReadViewSet):
    """Skills the enterprise tracks; critical ones must never rest on one person."""

    queryset = Skill.objects.all()
    serializer_class = s.SkillSerializer

    create_service = staticmethod(services.skill_create)


class PersonSkillViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The skills register: who holds which skill at which level."""

    queryset = PersonSkill.objects.select_related("skill")
    serializer_class = s.PersonSkillSerializer
    filterset_fields = ["person", "skill"]

    def perform_create(self, serializer):
        serializer.instance = services.person_skill_set(actor=self.request.user, **serializer.validated_data)
