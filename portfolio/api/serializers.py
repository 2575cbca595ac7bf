from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from portfolio.choices import UseCaseStatus
from portfolio.models import (
    KPI,
    READINESS_ITEMS,
    Agreement,
    Assumption,
    BenefitReview,
    BusinessUnit,
    Capability,
    ChangeAction,
    Dependency,
    KPIMeasurement,
    Objective,
    PersonSkill,
    PortfolioReview,
    ReadinessCheck,
    ReviewDecision,
    RoadmapItem,
    Score,
    ScoringCriterion,
    Skill,
    SkillNeed,
    StopLoss,
    Team,
    UseCase,
    UseCaseObjective,
    UseCaseRaci,
    Wave,
)


class BusinessUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessUnit
        fields = ["id", "code", "name", "description", "is_active"]
        read_only_fields = ["is_active"]


class ObjectiveSerializer(serializers.ModelSerializer):
    business_unit = serializers.PrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.filter(is_active=True), allow_null=True, required=False
    )
    kpis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Objective
        fields = ["id", "title", "description", "owner", "horizon", "business_unit", "is_active", "kpis"]


class KPISerializer(serializers.ModelSerializer):
    latest_value = serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True, allow_null=True)
    latest_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = KPI
        fields = [
            "id",
            "objective",
            "name",
            "unit",
            "direction",
            "baseline",
            "baseline_date",
            "target",
            "target_date",
            "source",
            "metric_binding",
            "latest_value",
            "latest_on",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["objective"].read_only = True  # a KPI stays with its objective
        return fields


class KPIMeasurementSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default=None)

    class Meta:
        model = KPIMeasurement
        fields = ["id", "measured_on", "value", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_at"]
        validators = []  # the service decides: a second value for a date corrects the first


class CapabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Capability
        fields = ["id", "name", "parent", "description"]


class UseCaseObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = UseCaseObjective
        fields = ["id", "objective", "kpi", "expected_contribution", "note"]
        validators = []  # linking twice updates the link (service)


class UseCaseSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    business_unit = serializers.PrimaryKeyRelatedField(queryset=BusinessUnit.objects.filter(is_active=True))
    capabilities = serializers.PrimaryKeyRelatedField(many=True, queryset=Capability.objects.all(), required=False)
    ea_components = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=200)
    objectives = UseCaseObjectiveSerializer(source="objective_links", many=True, read_only=True)

    class Meta:
        model = UseCase
        fields = [
            "id",
            "code",
            "title",
            "problem_statement",
            "process_changed",
            "current_performance",
            "business_unit",
            "sponsor",
            "owner",
            "capabilities",
            "status",
            "risk_tier",
            "confidential",
            "estimated_value",
            "estimated_cost",
            "sourcing",
            "sourcing_rationale",
            "data_sources_available",
            "data_quality",
            "data_access_agreed",
            "integration_complexity",
            "ea_components",
            "objectives",
            "created_at",
            "updated_at",
        ]
        # Status and tier change only through their workflows.
        read_only_fields = ["status", "risk_tier", "created_at", "updated_at"]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=UseCaseStatus.choices)
    reason = serializers.CharField(max_length=2000)


class ScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.PrimaryKeyRelatedField(queryset=ScoringCriterion.objects.filter(is_active=True))
    score = serializers.IntegerField(min_value=1, max_value=5)
    scorer = serializers.CharField(source="scorer.username", read_only=True)

    class Meta:
        model = Score
        fields = ["id", "criterion", "score", "rationale", "scorer", "scored_at", "is_current"]
        read_only_fields = ["scored_at", "is_current"]


class ScoringCriterionSerializer(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=1000)

    class Meta:
        model = ScoringCriterion
        fields = ["id", "key", "name", "description", "weight", "higher_is_better", "rubric", "source", "is_active"]
        read_only_fields = ["key", "source"]


class RankingRowSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    business_unit = serializers.CharField()
    status = serializers.CharField()
    score = serializers.FloatField(help_text="Weighted, normalised score from 0 to 100.")
    rank = serializers.IntegerField(help_text="1 is best; equal scores share a rank.")
    base_rank = serializers.IntegerField(allow_null=True, help_text="Rank with the saved weights.")
    moved = serializers.IntegerField(help_text="Places gained (+) or lost (-) against the saved weights.")
    sensitive = serializers.BooleanField(help_text="The rank moves by 3 places or more under these weights.")
    missing_criteria = serializers.IntegerField(help_text="Criteria nobody has scored yet (counted as worst).")
    estimated_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    estimated_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    calibrated_value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="With ?calibrated=1: value × the unit's forecast record.",
    )
    calibration_factor = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class ImportRequestSerializer(serializers.Serializer):
    csv = serializers.CharField(
        max_length=2 * 1024 * 1024,
        trim_whitespace=False,
        help_text="The CSV text, with a header row (see the export for the columns).",
    )
    valid_rows_only = serializers.BooleanField(default=False)


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    title = serializers.CharField()
    ok = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())
    code = serializers.CharField(allow_blank=True)


class ImportReportSerializer(serializers.Serializer):
    applied = serializers.BooleanField(help_text="False when nothing was imported.")
    imported = serializers.IntegerField()
    rows = ImportRowSerializer(many=True)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "business_unit"]


class WaveCapacitySerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    person_days = serializers.IntegerField(min_value=0, max_value=100_000)


class WaveSerializer(serializers.ModelSerializer):
    capacities = WaveCapacitySerializer(many=True, required=False)

    class Meta:
        model = Wave
        fields = ["id", "name", "start", "end", "capacities"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["capacities"] = [{"team": c.team_id, "person_days": c.person_days} for c in instance.capacities.all()]
        return data


class EffortSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    person_days = serializers.IntegerField(min_value=1, max_value=100_000)


class RoadmapItemSerializer(serializers.ModelSerializer):
    use_case = serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.all())
    efforts = EffortSerializer(many=True)

    class Meta:
        model = RoadmapItem
        fields = ["id", "use_case", "wave", "planned_start", "planned_end", "efforts"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["efforts"] = [{"team": e.team_id, "person_days": e.person_days} for e in instance.efforts.all()]
        return data


class DependencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Dependency
        fields = ["id", "use_case", "depends_on", "note"]
        validators = []  # the service refuses self-dependencies and cycles in words


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "title", "kind", "provider", "consumer", "use_case", "owner", "due_date", "status"]
        read_only_fields = ["status"]


class AgreementStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agreement.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["dependency", "capacity", "agreement"])
    message = serializers.CharField()
    use_case_ids = serializers.ListField(child=serializers.IntegerField())


class RaciSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.get_full_name", read_only=True)

    class Meta:
        model = UseCaseRaci
        fields = ["id", "person", "person_name", "role"]
        validators = []  # the service replaces the accountable person


class AssumptionSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Assumption
        fields = [
            "id",
            "statement",
            "owner",
            "review_date",
            "status",
            "business_unit",
            "objective",
            "use_case",
            "last_note",
            "overdue",
        ]
        read_only_fields = ["status", "last_note"]

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return obj.status == Assumption.Status.HOLDING and obj.review_date < timezone.localdate()


class AssumptionReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Assumption.Status.choices)
    note = serializers.CharField(max_length=2000)
    next_review_date = serializers.DateField(required=False, allow_null=True)


class ReviewDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewDecision
        fields = [
            "id",
            "use_case",
            "decision",
            "notes",
            "budget_innovation",
            "budget_tech_debt",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = ["decided_by", "decided_at"]
        validators = []


class PortfolioReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PortfolioReview
        fields = ["id", "title", "quarter", "held_on", "attendees", "notes"]


class ReadinessSerializer(serializers.ModelSerializer):
    item = serializers.ChoiceField(choices=READINESS_ITEMS)

    class Meta:
        model = ReadinessCheck
        fields = ["id", "item", "evidence", "checked_by", "checked_at"]
        read_only_fields = ["checked_by", "checked_at"]
        validators = []


class ChangeActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeAction
        fields = ["id", "kind", "description", "headcount_affected", "owner", "due_date", "done"]
        read_only_fields = ["done"]


class StopLossSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = StopLoss
        fields = ["measure", "kpi", "threshold", "due_date", "periods_allowed", "status"]

    def get_status(self, obj) -> str:
        from portfolio.services import stop_loss_status

        return stop_loss_status(obj)[0]


class BenefitReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitReview
        fields = ["id", "reviewed_on", "realised_value", "kpi", "kpi_movement", "findings", "reviewer"]
        read_only_fields = ["reviewer"]


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "critical"]


class PersonSkillSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(min_value=1, max_value=5)

    class Meta:
        model = PersonSkill
        fields = ["id", "person", "skill", "level"]
        validators = []


class SkillNeedSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(min_value=1, max_value=5)

    class Meta:
        model = SkillNeed
        fields = ["id", "skill", "level"]
        validators = []


class PlanChangeSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    before = serializers.CharField(allow_null=True)
    after = serializers.CharField(allow_null=True, help_text="Null: left out of the plan.")
    why = serializers.CharField()


# One plan, not a page of plans: the recommended-plan "list" answers a single object.
@extend_schema_serializer(many=False)
class PlanProposalSerializer(serializers.Serializer):
    solved = serializers.BooleanField()
    message = serializers.CharField()
    value_current = serializers.FloatField()
    value_recommended = serializers.FloatField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost_recommended = serializers.DecimalField(max_digits=16, decimal_places=2)
    changes = PlanChangeSerializer(many=True)


class BudgetSerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True)
