"""Forms validate input and hand it to the services; they never save anything themselves."""

from django import forms

from core.forms import MoneyFieldsMixin
from core.permissions import manages_everything
from portfolio.choices import NEXT_STATUSES, UseCaseStatus
from portfolio.models import (
    KPI,
    READINESS_ITEMS,
    Agreement,
    Assumption,
    BusinessUnit,
    Capability,
    ChangeAction,
    Objective,
    RaciRole,
    ReviewDecision,
    ScoringCriterion,
    Skill,
    StopLoss,
    Team,
    UseCase,
    Wave,
)


def _writable_units(user):
    units = BusinessUnit.objects.filter(is_active=True)
    if user.is_superuser or manages_everything(user):
        return units
    return units.filter(memberships__user=user)


class _PersonChoiceField(forms.ModelChoiceField):
    """People by their full name (and email, which tells two namesakes apart), never a bare username."""

    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} · {obj.email}" if obj.email else name


def _people():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class UseCaseForm(MoneyFieldsMixin, forms.ModelForm):
    money_fields = ("estimated_value", "estimated_cost")
    """Intake and edit of a use case."""

    ea_components = forms.CharField(
        label="EA components",
        required=False,
        help_text="Application or system identifiers from the EA repository, separated by commas (e.g. APP-0042).",
    )
    capabilities = forms.ModelMultipleChoiceField(
        queryset=Capability.objects.select_related("parent"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = UseCase
        fields = [
            "title",
            "business_unit",
            "problem_statement",
            "process_changed",
            "current_performance",
            "sponsor",
            "estimated_value",
            "estimated_cost",
            "sourcing",
            "sourcing_rationale",
            "data_sources_available",
            "data_quality",
            "data_access_agreed",
            "integration_complexity",
            "capabilities",
            "ea_components",
            "confidential",
        ]
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 3}),
            "sourcing_rationale": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "problem_statement": "What hurts today, for whom, and how much.",
            "confidential": "Only members of the business unit, explicit grantees, executives and platform admins "
            "will see it.",
            "sourcing_rationale": "Why build, buy or partner.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the units the user may write in; the service checks again.
        self.fields["business_unit"].queryset = _writable_units(user)
        self.fields["business_unit"].empty_label = "Choose a business unit"
        if self.instance.pk:
            self.initial["ea_components"] = ", ".join(self.instance.ea_components)

    def clean_ea_components(self) -> list[str]:
        return [item.strip() for item in self.cleaned_data["ea_components"].split(",") if item.strip()]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("capabilities", None)
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", choices=UseCaseStatus.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, use_case: UseCase, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = NEXT_STATUSES[use_case.status]
        self.fields["to"].choices = [(s.value, s.label) for s in UseCaseStatus if s.value in allowed]


class ScoreForm(forms.Form):
    criterion = forms.ModelChoiceField(
        queryset=ScoringCriterion.objects.filter(is_active=True), empty_label="Choose a criterion"
    )
    # No default: a forgotten choice must not record a 1.
    score = forms.TypedChoiceField(choices=[("", "Choose 1 to 5"), *((i, str(i)) for i in range(1, 6))], coerce=int)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ObjectiveLinkForm(forms.Form):
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.filter(is_active=True), empty_label="Choose an objective"
    )
    kpi = forms.ModelChoiceField(
        queryset=KPI.objects.select_related("objective"),
        required=False,
        label="KPI",
        empty_label="No KPI",
        help_text="One of the objective's KPIs.",
    )
    expected_contribution = forms.DecimalField(
        max_digits=18, decimal_places=4, required=False, help_text="In the KPI's unit, e.g. -5 for five days less."
    )
    note = forms.CharField(max_length=300, required=False)


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["title", "description", "horizon", "business_unit"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = _writable_units(user)
        self.fields["business_unit"].empty_label = "Enterprise-wide"


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = [
            "name",
            "unit",
            "direction",
            "baseline",
            "baseline_date",
            "target",
            "target_date",
            "source",
            "metric_binding",
        ]
        widgets = {
            "baseline_date": forms.DateInput(attrs={"type": "date"}),
            "target_date": forms.DateInput(attrs={"type": "date"}),
        }


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=18, decimal_places=4)
    note = forms.CharField(max_length=300, required=False)


class UseCaseImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma-separated, with a header row. At most 2 MB.")
    valid_rows_only = forms.BooleanField(
        required=False,
        label="Import the valid rows and skip the refused ones",
        help_text="Otherwise one refused row stops the whole file, so nothing is imported half-way.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB; split it.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text; save it as CSV UTF-8.") from None


class PlanForm(forms.Form):
    """Plan one approved use case in a wave; efforts as 'Team: days' lines."""

    use_case = forms.ModelChoiceField(queryset=UseCase.objects.none(), empty_label="Choose an approved use case")
    wave = forms.ModelChoiceField(queryset=Wave.objects.all(), empty_label="Choose a wave")
    planned_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    planned_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    efforts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="One team per line: “Data platform: 20” (person-days)."
    )

    def __init__(self, *args, use_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = use_cases

    def clean_efforts(self) -> dict:
        teams = {team.name.lower(): team for team in Team.objects.all()}
        efforts, problems = {}, []
        for line in filter(None, (raw.strip() for raw in self.cleaned_data["efforts"].splitlines())):
            name, _, days = line.rpartition(":")
            team = teams.get(name.strip().lower())
            if team is None:
                problems.append(f"unknown team “{name.strip() or line}”")
            elif not days.strip().isdigit():
                problems.append(f"“{days.strip()}” is not a whole number of days for {team}")
            else:
                efforts[team] = int(days.strip())
        if problems:
            raise forms.ValidationError("; ".join(problems))
        return efforts


class RaciForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, empty_label="Choose a person")
    role = forms.ChoiceField(choices=RaciRole.choices)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class AssumptionForm(forms.ModelForm):
    class Meta:
        model = Assumption
        fields = ["statement", "review_date", "business_unit", "objective", "use_case"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "review_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user, **kwargs):
        from portfolio import selectors

        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = _writable_units(user)
        self.fields["business_unit"].empty_label = "Enterprise-wide"
        self.fields["use_case"].queryset = selectors.use_case_list(user=user)


class AssumptionCheckForm(forms.Form):
    assumption = forms.ModelChoiceField(queryset=Assumption.objects.none(), empty_label="Choose an assumption")
    status = forms.ChoiceField(choices=Assumption.Status.choices)
    next_review_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Required when it still holds."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="What the check found")

    def __init__(self, *args, assumptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assumption"].queryset = assumptions


class ReviewForm(forms.Form):
    title = forms.CharField(max_length=200)
    quarter = forms.CharField(max_length=7, help_text="e.g. 2026-Q4")
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(MoneyFieldsMixin, forms.Form):
    money_fields = ("budget_innovation", "budget_tech_debt")
    use_case = forms.ModelChoiceField(queryset=UseCase.objects.none(), empty_label="Choose a use case")
    decision = forms.ChoiceField(choices=ReviewDecision.Decision.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    budget_innovation = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=0,
        help_text="For a reallocation: the new innovation budget.",
    )
    budget_tech_debt = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, min_value=0, label="Budget for technical debt"
    )

    def __init__(self, *args, use_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = use_cases


class ReadinessForm(forms.Form):
    item = forms.ChoiceField(choices=READINESS_ITEMS)
    evidence = forms.CharField(max_length=2000, help_text="What shows it is done: minutes, attendance, a link.")


class ChangeActionForm(forms.Form):
    kind = forms.ChoiceField(choices=ChangeAction.Kind.choices)
    description = forms.CharField(max_length=2000)
    headcount_affected = forms.IntegerField(min_value=0, required=False)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class StopLossForm(forms.Form):
    measure = forms.ChoiceField(choices=StopLoss.Measure.choices)
    kpi = forms.ModelChoiceField(queryset=KPI.objects.all(), required=False, empty_label="No KPI", label="KPI")
    threshold = forms.DecimalField(
        max_digits=18, decimal_places=4, help_text="The KPI level, or the realised annual value, to reach."
    )
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    periods_allowed = forms.IntegerField(
        min_value=1, max_value=12, initial=2, help_text="Missed periods before a decommissioning review opens."
    )


class BenefitReviewForm(MoneyFieldsMixin, forms.Form):
    money_fields = ("realised_value",)
    reviewed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    realised_value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label="Realised annual value")
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class SkillNeedForm(forms.Form):
    skill = forms.ModelChoiceField(queryset=Skill.objects.all(), empty_label="Choose a skill")
    level = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, help_text="1 aware … 5 expert"
    )


class PersonSkillForm(forms.Form):
    person = _PersonChoiceField(queryset=None, empty_label="Choose a person")
    skill = forms.ModelChoiceField(queryset=Skill.objects.all(), empty_label="Choose a skill")
    level = forms.TypedChoiceField(
        choices=[("", "Choose 1 to 5"), *((i, str(i)) for i in range(1, 6))], coerce=int, help_text="1 aware … 5 expert"
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


# --- Planning records: teams, waves and capacity, agreements, skills --------------------------------


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="As the team is known in planning, e.g. “Data platform”.")
    business_unit = forms.ModelChoiceField(
        queryset=BusinessUnit.objects.filter(is_active=True),
        required=False,
        empty_label="Shared across units",
        help_text="The unit the team belongs to, if any.",
    )


class WaveForm(forms.Form):
    """A wave and, per team, the person-days it has in it: one number field per team."""

    name = forms.CharField(max_length=100, help_text="e.g. “2027-Q1”.")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="First day of the wave.")
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="Last day; after the start.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = list(Team.objects.select_related("business_unit"))
        for team in self.teams:
            self.fields[f"capacity_{team.pk}"] = forms.IntegerField(
                label=f"{team.name}: capacity (person-days)",
                min_value=0,
                required=False,
                help_text="Leave empty if the team has no time in this wave.",
            )

    def cleaned(self) -> dict:
        data = self.cleaned_data
        capacities = {
            team: data[f"capacity_{team.pk}"] for team in self.teams if data.get(f"capacity_{team.pk}") is not None
        }
        return {"name": data["name"], "start": data["start"], "end": data["end"], "capacities": capacities}


class CapacityForm(forms.Form):
    wave = forms.ModelChoiceField(queryset=Wave.objects.all(), empty_label="Choose a wave")
    team = forms.ModelChoiceField(queryset=Team.objects.all(), empty_label="Choose a team")
    person_days = forms.IntegerField(
        label="Capacity (person-days)", min_value=0, help_text="Replaces the team's current capacity in that wave."
    )


class AgreementForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What is agreed, e.g. “Card transactions feed, daily”.")
    kind = forms.ChoiceField(choices=Agreement.Kind.choices)
    provider = forms.ModelChoiceField(
        queryset=BusinessUnit.objects.filter(is_active=True),
        empty_label="Choose the providing unit",
        help_text="The unit that delivers.",
    )
    consumer = forms.ModelChoiceField(
        queryset=BusinessUnit.objects.none(),
        empty_label="Choose the consuming unit",
        help_text="Your unit, which relies on it; it records the agreement.",
    )
    use_case = forms.ModelChoiceField(
        queryset=UseCase.objects.none(), required=False, empty_label="Not tied to one use case"
    )
    owner = _PersonChoiceField(queryset=None, empty_label="Choose a person", help_text="Who follows it up.")
    due_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="When it must be in place for the plan to hold."
    )

    def __init__(self, *args, user, **kwargs):
        from portfolio import selectors

        super().__init__(*args, **kwargs)
        self.fields["consumer"].queryset = _writable_units(user)
        self.fields["use_case"].queryset = selectors.use_case_list(user=user)
        self.fields["owner"].queryset = _people()
        self.fields["owner"].initial = user.pk


class AgreementStatusForm(forms.Form):
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.none(), empty_label="Choose an agreement")
    status = forms.ChoiceField(choices=Agreement.Status.choices)
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why: kept in the audit trail."
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements


class SkillForm(forms.Form):
    name = forms.CharField(max_length=100, label="Skill", help_text="e.g. “Graph neural networks”.")
    critical = forms.BooleanField(
        required=False, help_text="Critical skills held by one person or nobody are flagged in the register."
    )


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(
        queryset=UseCase.objects.none(),
        label="Needs first",
        empty_label="Choose a use case",
        help_text="The use case that must be delivered before this one; a loop is refused.",
    )
    note = forms.CharField(max_length=300, required=False, help_text="Why, e.g. “uses its feature store”.")

    def __init__(self, *args, use_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depends_on"].queryset = use_cases


class UnplanForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why take it off the roadmap",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail with the plan it had; the use case stays approved.",
    )


class CapabilityForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="A business capability, e.g. “Credit decisioning”.")
    parent = forms.ModelChoiceField(
        queryset=Capability.objects.order_by("name"),
        required=False,
        label="Part of",
        empty_label="Top level",
        help_text="The broader capability it belongs to, if any.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


# --- Editing planning records, business units and scoring criteria ----------------------------------


class WaveEditForm(WaveForm):
    """A wave's name and dates, and each team's capacity in it (an emptied capacity becomes 0)."""

    def __init__(self, *args, wave, **kwargs):
        capacities = {c.team_id: c.person_days for c in wave.capacities.all()}
        initial = {"name": wave.name, "start": wave.start, "end": wave.end}
        initial.update({f"capacity_{team}": days for team, days in capacities.items()})
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict:
        """Only what changed: the service audits each field before and after."""
        data, changed = self.cleaned_data, set(self.changed_data)
        result = {field: data[field] for field in ("name", "start", "end") if field in changed}
        capacities = {team: data[f"capacity_{team.pk}"] or 0 for team in self.teams if f"capacity_{team.pk}" in changed}
        return {**result, "capacities": capacities} if capacities else result


class BusinessUnitForm(forms.Form):
    code = forms.CharField(
        max_length=20, help_text="2 to 20 capital letters, digits or dashes, e.g. RETAIL. It never changes."
    )
    name = forms.CharField(max_length=200, help_text="e.g. “Retail banking”.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    is_active = forms.BooleanField(
        required=False,
        label="Active",
        help_text="An inactive unit takes no new use cases, teams or agreements; its records stay.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]  # records and the API name the unit by its code
        else:
            del self.fields["is_active"]


class MemberAddForm(forms.Form):
    user = _PersonChoiceField(
        queryset=None,
        label="Person",
        empty_label="Choose a person",
        help_text="Members see the unit's confidential records and may change its records as their role allows.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class ScoringCriterionForm(forms.Form):
    """A ranking criterion: what it measures, its weight and direction, and what each score means."""

    key = forms.SlugField(
        max_length=40,
        help_text="Short name for weight overrides in links and the API (?weight_<key>=2), e.g. data_readiness.",
    )
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    weight = forms.DecimalField(
        min_value=0,
        max_value=1000,
        decimal_places=2,
        help_text="Its share of the ranking score is its weight divided by the sum of the active weights.",
    )
    higher_is_better = forms.BooleanField(
        required=False, label="Higher is better", help_text="Untick for criteria like risk, where 5 is worst."
    )
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="A deactivated criterion no longer counts in the ranking."
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["key"]  # saved links and API calls use it
        for score in range(1, 6):
            self.fields[f"rubric_{score}"] = forms.CharField(
                max_length=300, required=False, label=f"A score of {score} means", help_text="Shown to scorers."
            )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        rubric = {str(s): text for s in range(1, 6) if (text := data.pop(f"rubric_{s}", "").strip())}
        return {**data, "rubric": rubric}
