"""Portfolio pages. Views read through selectors and write through services; no rule lives here."""

from abc import ABC, abstractmethod
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from core.downloads import csv_response
from core.exceptions import ApplicationError, NotAllowed
from core.filters import FilteredListMixin
from core.forms import refusal_on_form
from core.permissions import can, require_model_perm
from core.tables import Column, SortedTableMixin
from core.views import PermissionOr404Mixin
from portfolio import charts, csv_io, panels, selectors, services
from portfolio.api.views import weight_overrides
from portfolio.conflicts import plan_conflicts
from portfolio.filters import UseCaseFilterSet
from portfolio.forms import (
    AgreementForm,
    AgreementStatusForm,
    AssumptionCheckForm,
    AssumptionForm,
    BenefitReviewForm,
    BusinessUnitForm,
    CapabilityForm,
    CapacityForm,
    ChangeActionForm,
    DecisionForm,
    DependencyForm,
    KPIForm,
    MeasurementForm,
    MemberAddForm,
    ObjectiveForm,
    ObjectiveLinkForm,
    PersonSkillForm,
    PlanForm,
    RaciForm,
    ReadinessForm,
    ReviewForm,
    ScoreForm,
    ScoringCriterionForm,
    SkillForm,
    SkillNeedForm,
    StopLossForm,
    TeamForm,
    TransitionForm,
    UnplanForm,
    UseCaseForm,
    UseCaseImportForm,
    WaveEditForm,
    WaveForm,
)
from portfolio.models import (
    KPI,
    Agreement,
    Assumption,
    BusinessUnit,
    RaciRole,
    RoadmapItem,
    ScoringCriterion,
    Team,
    UseCase,
    UseCaseObjective,
    Wave,
)
from portfolio.planning import recommend_plan
from portfolio.ranking import SENSITIVE_MOVE, calibrate, criteria_with_weights, ranking
from portfolio.services.base import snapshot
from portfolio.services.roadmap import AGREEMENT_FIELDS, PLANNABLE


def _flash_refusal(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


# --- Use cases ------------------------------------------------------------------------------------


class UseCaseListView(LoginRequiredMixin, FilteredListMixin, SortedTableMixin, ListView):
    """The use cases the user may see, filtered and sorted; `?format=csv` exports exactly those, in the
    columns the import reads back."""

    template_name = "portfolio/usecase_list.html"
    paginate_by = 25
    filterset_class = UseCaseFilterSet
    columns = (
        Column("code", "Code", ("number",)),
        Column("title", "Title", ("title",)),
        Column("unit", "Business unit", ("business_unit__code",)),
        Column("status", "Status", ("status",)),
        Column("risk", "Risk tier", ("risk_tier",)),
        Column("value", "Value / yr", ("estimated_value",), num=True),
        Column("cost", "Cost / yr", ("estimated_cost",), num=True),
    )
    export_filename = "lodestar-use-cases.csv"

    def export_csv(self):
        return csv_response(csv_io.use_cases_to_csv(self.get_queryset()), self.export_filename)

    def get_queryset(self):
        return self.sorted(self.filtered(selectors.use_case_list(user=self.request.user)))

    def get_template_names(self):
        # htmx swaps only the table when a filter changes (see the hx-get on the filter form).
        return ["portfolio/partials/usecase_table.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.filter_context(), **kwargs)


class UseCaseDetailView(LoginRequiredMixin, DetailView):
    template_name = "portfolio/usecase_detail.html"
    context_object_name = "use_case"

    def get_queryset(self):
        return selectors.use_case_detail_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        use_case, user = self.object, self.request.user
        may_change = can(user, "change", use_case)
        score_summary = {
            row["criterion"]: row
            for row in use_case.scores.filter(is_current=True)
            .values("criterion")
            .annotate(mean=Avg("score"), scorers=Count("scorer", distinct=True))
        }
        mine = dict(use_case.scores.filter(is_current=True, scorer=user).values_list("criterion", "score"))
        criteria = [
            {
                "criterion": c,
                "weight": w,
                "mean": score_summary.get(c.pk, {}).get("mean"),
                "scorers": score_summary.get(c.pk, {}).get("scorers", 0),
                "mine": mine.get(c.pk),
            }
            for c, w in criteria_with_weights()
        ]
        return super().get_context_data(
            may_change=may_change,
            may_score=user.has_perm("portfolio.add_score"),
            transition_form=TransitionForm(use_case=use_case) if may_change else None,
            score_form=ScoreForm(),
            link_form=ObjectiveLinkForm() if may_change else None,
            raci_form=RaciForm() if may_change else None,
            delivery_forms={
                "readiness": ReadinessForm(),
                "change": ChangeActionForm(),
                "stop_loss": StopLossForm(),
                "benefit": BenefitReviewForm(),
                "skill": SkillNeedForm(),
            }
            if may_change
            else None,
            readiness_missing=services.readiness_missing(use_case),
            stop_loss=getattr(use_case, "stop_loss", None),
            stop_loss_state=services.stop_loss_status(use_case.stop_loss) if hasattr(use_case, "stop_loss") else None,
            skills=selectors.skills_coverage(use_case=use_case),
            benefit_reviews=use_case.benefit_reviews.select_related("reviewer"),
            change_actions=use_case.change_actions.select_related("owner"),
            criteria=criteria,
            transitions=use_case.transitions.select_related("actor")[:20],
            score_history=selectors.use_case_scores(use_case=use_case)[:30],
            panels=panels.use_case_panels(request=self.request, use_case=use_case),
            **self._roadmap_context(use_case, may_change),
            **kwargs,
        )

    def _roadmap_context(self, use_case, may_change) -> dict:
        """Where the use case is planned and what it waits for or holds up (among the use cases the user sees)."""
        visible = selectors.use_case_list(user=self.request.user)
        item = selectors.roadmap_items(user=self.request.user).filter(use_case=use_case).first()
        return {
            "roadmap_item": item,
            "dependencies": use_case.dependencies.filter(depends_on__in=visible.values("pk")).select_related(
                "depends_on"
            ),
            "dependants": use_case.dependants.filter(use_case__in=visible.values("pk")).select_related("use_case"),
            "dependency_form": DependencyForm(use_cases=visible.exclude(pk=use_case.pk)) if may_change else None,
            "unplan_form": UnplanForm() if may_change and item else None,
        }


class RecordPageMixin(LoginRequiredMixin, ABC):
    """A page about one record: anonymous callers go to the login page before any lookup, so a 404 never
    tells them which ids exist; then `load_record` finds the record (404 if hidden) and checks the right."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.load_record(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    @abstractmethod
    def load_record(self, request, **kwargs) -> None: ...


class UseCaseFormMixin(LoginRequiredMixin):
    form_class = UseCaseForm
    template_name = "portfolio/usecase_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class UseCaseCreateView(PermissionOr404Mixin, UseCaseFormMixin, FormView):
    required_permission = "portfolio.add_usecase"

    def form_valid(self, form):
        try:
            use_case = services.use_case_create(
                actor=self.request.user, capabilities=form.cleaned_data["capabilities"], **form.service_fields()
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{use_case.code} “{use_case.title}” was proposed.")
        return redirect("portfolio:usecase_detail", pk=use_case.pk)


class UseCaseUpdateView(RecordPageMixin, UseCaseFormMixin, FormView):
    def load_record(self, request, **kwargs):
        self.use_case = get_object_or_404(selectors.use_case_list(user=request.user), pk=kwargs["pk"])
        # A form that could never be saved is not shown: those who may only read it get 403.
        if not can(request.user, "change", self.use_case):
            raise PermissionDenied("You may not edit this use case.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": UseCase.objects.get(pk=self.use_case.pk)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(use_case=self.use_case, **kwargs)

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "capabilities"}
        capabilities = form.cleaned_data["capabilities"] if "capabilities" in form.changed_data else None
        try:
            services.use_case_update(
                actor=self.request.user,
                use_case=self.use_case,
                capabilities=capabilities,
                reason="edited in the browser",
                **changes,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.use_case.code} was updated.")
        return redirect("portfolio:usecase_detail", pk=self.use_case.pk)


class UseCaseActionView(LoginRequiredMixin, View):
    """POST-only actions on one use case; refusals come back as a flash message on its page."""

    form_class = None

    def post(self, request, pk):
        use_case = get_object_or_404(selectors.use_case_list(user=request.user), pk=pk)
        form = self.make_form(request, use_case)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()))
        else:
            try:
                messages.success(request, self.act(request, use_case, form.cleaned_data))
            except ApplicationError as exc:
                _flash_refusal(request, exc)
        return redirect("portfolio:usecase_detail", pk=pk)

    def make_form(self, request, use_case):
        return self.form_class(request.POST)


class UseCaseTransitionView(UseCaseActionView):
    def make_form(self, request, use_case):
        return TransitionForm(request.POST, use_case=use_case)

    def act(self, request, use_case, data):
        moved = services.use_case_transition(
            actor=request.user, use_case=use_case, to_status=data["to"], reason=data["reason"]
        )
        return f"{moved.code} is now {moved.get_status_display().lower()}."


class UseCaseScoreView(UseCaseActionView):
    form_class = ScoreForm

    def act(self, request, use_case, data):
        services.score_record(actor=request.user, use_case=use_case, **data)
        return f"Scored {data['criterion']} {data['score']}/5."


class UseCaseObjectiveLinkView(UseCaseActionView):
    form_class = ObjectiveLinkForm

    def act(self, request, use_case, data):
        link = services.use_case_link_objective(actor=request.user, use_case=use_case, **data)
        return f"{use_case.code} now serves “{link.objective}”."


class UseCaseObjectiveUnlinkView(LoginRequiredMixin, View):
    def post(self, request, pk, link_pk):
        use_case = get_object_or_404(selectors.use_case_list(user=request.user), pk=pk)
        link = get_object_or_404(UseCaseObjective, pk=link_pk, use_case=use_case)
        try:
            services.use_case_unlink_objective(actor=request.user, link=link)
            messages.success(request, f"{use_case.code} no longer serves “{link.objective}”.")
        except ApplicationError as exc:
            _flash_refusal(request, exc)
        return redirect("portfolio:usecase_detail", pk=pk)


class UseCaseImportView(PermissionOr404Mixin, LoginRequiredMixin, FormView):
    """Upload a CSV of use cases; the report says, row by row, what was refused and why."""

    required_permission = "portfolio.add_usecase"
    form_class = UseCaseImportForm
    template_name = "portfolio/usecase_import.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=csv_io.USE_CASE_COLUMNS, **kwargs)

    def form_valid(self, form):
        try:
            report = csv_io.use_cases_import(
                actor=self.request.user,
                file_text=form.cleaned_data["file"],
                valid_rows_only=form.cleaned_data["valid_rows_only"],
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
            return self.form_invalid(form)
        if report.applied:
            messages.success(self.request, f"Imported {report.imported} use case{'s' if report.imported != 1 else ''}.")
        else:
            messages.error(
                self.request,
                f"Nothing was imported: {len(report.refused)} row(s) refused. "
                "Fix them, or choose to import the valid rows only.",
            )
        return self.render_to_response(self.get_context_data(form=form, report=report))


class UseCaseReadinessView(UseCaseActionView):
    form_class = ReadinessForm

    def act(self, request, use_case, data):
        services.readiness_check(actor=request.user, use_case=use_case, **data)
        return "Readiness item ticked."


class UseCaseChangeActionView(UseCaseActionView):
    form_class = ChangeActionForm

    def act(self, request, use_case, data):
        services.change_action_add(actor=request.user, use_case=use_case, owner=request.user, **data)
        return "Change action added."


class UseCaseStopLossView(UseCaseActionView):
    form_class = StopLossForm

    def act(self, request, use_case, data):
        services.stop_loss_set(actor=request.user, use_case=use_case, **data)
        return "Stop-loss criterion set."


class UseCaseBenefitReviewView(UseCaseActionView):
    form_class = BenefitReviewForm

    def act(self, request, use_case, data):
        services.benefit_review_record(actor=request.user, use_case=use_case, **data)
        return "Benefit review recorded."


class UseCaseDependencyView(UseCaseActionView):
    def make_form(self, request, use_case):
        others = selectors.use_case_list(user=request.user).exclude(pk=use_case.pk)
        return DependencyForm(request.POST, use_cases=others)

    def act(self, request, use_case, data):
        services.dependency_add(actor=request.user, use_case=use_case, **data)
        return f"{use_case.code} now needs {data['depends_on'].code} delivered first."


class UseCaseUnplanView(UseCaseActionView):
    form_class = UnplanForm

    def act(self, request, use_case, data):
        item = RoadmapItem.objects.filter(use_case=use_case).first()
        if item is None:
            raise ApplicationError(f"{use_case.code} is not on the roadmap.")
        wave = item.wave
        services.roadmap_unplan(actor=request.user, item=item, **data)
        return f"{use_case.code} was taken off the roadmap ({wave}); it stays {use_case.get_status_display().lower()}."


class UseCaseSkillNeedView(UseCaseActionView):
    form_class = SkillNeedForm

    def act(self, request, use_case, data):
        services.skill_need_set(actor=request.user, use_case=use_case, **data)
        return f"{use_case.code} needs {data['skill']} at level {data['level']}."


class SkillsView(LoginRequiredMixin, FormView):
    """The skills register: who holds which skill at which level; critical skills held by one person stand out."""

    template_name = "portfolio/skills.html"
    form_class = PersonSkillForm

    def get_context_data(self, **kwargs):
        if not self.request.user.has_perm("portfolio.add_personskill"):
            kwargs["form"] = None
        if "skill_form" not in kwargs:
            kwargs["skill_form"] = SkillForm() if self.request.user.has_perm("portfolio.add_skill") else None
        return super().get_context_data(register=selectors.skills_register(), **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "skill":
            return super().post(request, *args, **kwargs)
        form = SkillForm(request.POST)
        if form.is_valid():
            try:
                skill = services.skill_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Skill “{skill.name}” added: record who holds it below.")
                return redirect("portfolio:skills")
        return self.render_to_response(self.get_context_data(skill_form=form))

    def form_valid(self, form):
        try:
            services.person_skill_set(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, "Skills register updated.")
        return redirect("portfolio:skills")


class BenefitsView(LoginRequiredMixin, TemplateView):
    """Projected against realised value per objective, and each unit's and sponsor's forecast record."""

    template_name = "portfolio/benefits.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        by_objective = selectors.benefits_by_objective(user=user)
        return super().get_context_data(
            by_objective=by_objective,
            chart=charts.projected_vs_realised(by_objective),
            calibration=[
                ("By business unit", selectors.forecast_calibration(user=user, by="business_unit")),
                ("By sponsor", selectors.forecast_calibration(user=user, by="sponsor")),
            ],
            **kwargs,
        )


class UseCaseRaciView(UseCaseActionView):
    form_class = RaciForm

    def act(self, request, use_case, data):
        services.raci_assign(actor=request.user, use_case=use_case, **data)
        return f"{data['person'].get_full_name() or data['person']} is now {RaciRole(data['role']).label.lower()}."


# --- Assumptions and reviews ----------------------------------------------------------------------


class AssumptionListView(LoginRequiredMixin, TemplateView):
    """Strategic assumptions, overdue ones first; record new ones and the result of each check."""

    template_name = "portfolio/assumption_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        assumptions = selectors.assumption_list(user=user)
        writable = assumptions.filter(pk__in=Assumption.objects.restrict(user, "change").values("pk"))
        kwargs.setdefault(
            "create_form", AssumptionForm(user=user) if user.has_perm("portfolio.add_assumption") else None
        )
        kwargs.setdefault("check_form", AssumptionCheckForm(assumptions=writable) if writable.exists() else None)
        return super().get_context_data(assumptions=assumptions, today=timezone.localdate(), **kwargs)

    def post(self, request):
        user = request.user
        if "statement" in request.POST:
            form = AssumptionForm(request.POST, user=user)
            ok = form.is_valid() and self._call(form, services.assumption_create, **form.cleaned_data)
            return (
                redirect("portfolio:assumption_list")
                if ok
                else self.render_to_response(self.get_context_data(create_form=form))
            )
        writable = Assumption.objects.restrict(user, "change")
        form = AssumptionCheckForm(request.POST, assumptions=writable)
        ok = form.is_valid() and self._call(form, services.assumption_review, **form.cleaned_data)
        return (
            redirect("portfolio:assumption_list")
            if ok
            else self.render_to_response(self.get_context_data(check_form=form))
        )

    def _call(self, form, service, **data) -> bool:
        try:
            service(actor=self.request.user, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return False
        messages.success(self.request, "Saved.")
        return True


class ReviewListView(LoginRequiredMixin, FormView):
    template_name = "portfolio/review_list.html"
    form_class = ReviewForm

    def get_context_data(self, **kwargs):
        may_add = self.request.user.has_perm("portfolio.add_portfolioreview")
        if not may_add:
            kwargs["form"] = None
        return super().get_context_data(reviews=selectors.portfolio_review_list(), **kwargs)

    def form_valid(self, form):
        try:
            review = services.portfolio_review_create(
                actor=self.request.user, attendees=[self.request.user], **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return redirect("portfolio:review_detail", pk=review.pk)


class ReviewDetailView(LoginRequiredMixin, FormView):
    """One quarterly review: its decisions (those the user may see) and a form to decide on a use case."""

    template_name = "portfolio/review_detail.html"
    form_class = DecisionForm

    def dispatch(self, request, *args, **kwargs):
        self.review = get_object_or_404(selectors.portfolio_review_list(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        decided = self.review.decisions.values("use_case")
        open_cases = (
            selectors.use_case_list(user=self.request.user)
            .exclude(pk__in=decided)
            .exclude(status__in=["rejected", "retired"])
        )
        return {**super().get_form_kwargs(), "use_cases": open_cases}

    def get_context_data(self, **kwargs):
        visible = selectors.use_case_list(user=self.request.user).values("pk")
        decisions = self.review.decisions.filter(use_case__in=visible).select_related("use_case", "decided_by")
        return super().get_context_data(review=self.review, decisions=decisions, **kwargs)

    def form_valid(self, form):
        try:
            services.review_decide(actor=self.request.user, review=self.review, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Decision on {form.cleaned_data['use_case'].code} recorded and applied.")
        return redirect("portfolio:review_detail", pk=self.review.pk)


# --- Ranking --------------------------------------------------------------------------------------


class RankingView(LoginRequiredMixin, TemplateView):
    """The ranked backlog; moving a weight re-ranks live (htmx) and flags rows whose rank moves a lot."""

    template_name = "portfolio/ranking.html"

    def get_template_names(self):
        return ["portfolio/partials/ranking_results.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        error = ""
        try:
            overrides = weight_overrides(self.request.GET)
        except ApplicationError as exc:
            overrides, error = {}, exc.message
        weighted = criteria_with_weights(overrides)
        overrides = {key: value for key, value in overrides.items() if key in {c.key for c, _ in weighted}}
        rows = ranking(queryset=selectors.use_case_list(user=self.request.user), overrides=overrides)
        calibrated = self.request.GET.get("calibrated") == "1"
        if calibrated:
            rows = calibrate(rows, selectors.calibration_factors(user=self.request.user))
        return super().get_context_data(
            rows=rows,
            weighted=weighted,
            overridden=bool(overrides),
            error=error,
            sensitive_move=SENSITIVE_MOVE,
            sensitive_count=sum(1 for r in rows if r.sensitive),
            value_effort=charts.value_effort(rows),
            **kwargs,
        )


# --- Roadmap --------------------------------------------------------------------------------------


class RoadmapView(LoginRequiredMixin, FormView):
    """Waves, the planned use cases on a timeline, capacity, agreements and the conflicts among them."""

    template_name = "portfolio/roadmap.html"
    form_class = PlanForm

    def get_form_kwargs(self):
        plannable = selectors.use_case_list(user=self.request.user).filter(status__in=PLANNABLE)
        return {**super().get_form_kwargs(), "use_cases": plannable}

    def get_context_data(self, **kwargs):
        user = self.request.user
        use_cases = selectors.use_case_list(user=user)
        conflicts = plan_conflicts(use_cases=use_cases)
        conflicted = {pk for c in conflicts for pk in c.use_case_ids}
        items = selectors.roadmap_items(user=user)
        waves = list(selectors.waves())
        if "plan_form" not in kwargs:
            kwargs["plan_form"] = self.get_form() if user.has_perm("portfolio.change_usecase") else None
        budget, budget_error = _budget(self.request.GET.get("budget"))
        return super().get_context_data(
            proposal=recommend_plan(use_cases=use_cases, budget=budget) if not budget_error else None,
            budget_error=budget_error,
            items=items,
            waves=waves,
            conflicts=conflicts,
            load=selectors.capacity_load(),
            agreements=selectors.agreement_list(user=user),
            gantt=charts.roadmap_gantt(items, waves, conflicted),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            item = services.roadmap_plan(actor=self.request.user, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{item.use_case.code} planned in {item.wave}.")
        return redirect("portfolio:roadmap")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(plan_form=form))


def _budget(raw: str | None) -> tuple[Decimal | None, str]:
    if not raw:
        return None, ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, f"budget: “{raw}” is not an amount."
    if not value.is_finite() or value < 0:
        return None, "budget: give an amount of 0 or more."
    return value, ""


class RecommendationApplyView(LoginRequiredMixin, View):
    """Apply the recommended plan (recomputed now, for what the user may see), with the budget shown."""

    def post(self, request):
        budget, error = _budget(request.POST.get("budget"))
        if error:
            messages.error(request, error)
            return redirect("portfolio:roadmap")
        try:
            moves = services.roadmap_apply_recommendation(
                actor=request.user, use_cases=selectors.use_case_list(user=request.user), budget=budget
            )
        except ApplicationError as exc:
            _flash_refusal(request, exc)
        else:
            messages.success(request, f"Recommended plan applied: {moves} use case{'s' if moves != 1 else ''} moved.")
        return redirect("portfolio:roadmap")


# --- Planning records: teams, waves and capacity, agreements -------------------------------------


class PlanningFormsPage(LoginRequiredMixin, TemplateView):
    """A list with one or more forms under it; each form posts its `action` and is shown to those who may use it.

    `actions` maps each action to the permission its form needs; the form is in the context as `<action>_form`.
    """

    actions: dict = {}

    # Each page says how its forms are made and what each does; the services check the permissions again.
    def build_form(self, action, data=None):
        raise NotImplementedError(f"{type(self).__name__} must define build_form(): the form of each action.")

    def perform(self, action, form) -> str:
        raise NotImplementedError(f"{type(self).__name__} must define perform(): the service each action calls.")

    def get_context_data(self, **kwargs):
        user = self.request.user
        for action, permission in self.actions.items():
            if f"{action}_form" not in kwargs:
                kwargs[f"{action}_form"] = self.build_form(action) if user.has_perm(permission) else None
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in self.actions or not request.user.has_perm(self.actions[action]):
            raise PermissionDenied("You may not do this here.")
        form = self.build_form(action, request.POST)
        if form.is_valid():
            try:
                message = self.perform(action, form)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, message)
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))


class TeamListView(PlanningFormsPage):
    """Delivery teams, the unit each belongs to and the capacity each has per wave; add a team."""

    template_name = "portfolio/team_list.html"
    actions = {"team": "portfolio.add_team"}

    def build_form(self, action, data=None):
        return TeamForm(data)

    def perform(self, action, form) -> str:
        team = services.team_create(actor=self.request.user, **form.cleaned_data)
        return f"Team “{team}” added. Give it capacity in the waves it works in."

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            teams=selectors.team_list(), may_edit=self.request.user.has_perm("portfolio.change_team"), **kwargs
        )


class WaveListView(PlanningFormsPage):
    """Planning waves with each team's capacity and what is planned against it; add a wave, set a capacity."""

    template_name = "portfolio/wave_list.html"
    actions = {"wave": "portfolio.add_wave", "capacity": "portfolio.change_wave"}

    def build_form(self, action, data=None):
        return WaveForm(data) if action == "wave" else CapacityForm(data)

    def perform(self, action, form) -> str:
        user = self.request.user
        if action == "wave":
            wave = services.wave_create(actor=user, **form.cleaned())
            return f"Wave “{wave}” added ({wave.start} to {wave.end})."
        capacity = services.wave_set_capacity(actor=user, **form.cleaned_data)
        return f"{capacity.team} now has {capacity.person_days} person-days in {capacity.wave}."

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            waves=selectors.wave_capacity_table(),
            may_edit=self.request.user.has_perm("portfolio.change_wave"),
            **kwargs,
        )


class AgreementListView(PlanningFormsPage):
    """The agreements the plan relies on (data access, deployment SLAs), due first; record one, set its status."""

    template_name = "portfolio/agreement_list.html"
    actions = {"agreement": "portfolio.add_agreement", "status": "portfolio.change_agreement"}

    def build_form(self, action, data=None):
        user = self.request.user
        if action == "agreement":
            return AgreementForm(data, user=user)
        return AgreementStatusForm(data, agreements=Agreement.objects.restrict(user, "change").order_by("title"))

    def perform(self, action, form) -> str:
        user = self.request.user
        if action == "agreement":
            agreement = services.agreement_create(actor=user, **form.cleaned_data)
            return f"Agreement “{agreement}” recorded, due {agreement.due_date}."
        agreement = services.agreement_set_status(actor=user, **form.cleaned_data)
        return f"“{agreement}” is now {agreement.get_status_display().lower()}."

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            agreements=selectors.agreement_list(user=user),
            # The agreements this user may change (their units'), in one query.
            editable=set(Agreement.objects.restrict(user, "change").values_list("pk", flat=True)),
            today=timezone.localdate(),
            **kwargs,
        )


# --- Editing teams, waves and agreements ---------------------------------------------------------------


class RecordEditView(LoginRequiredMixin, PermissionOr404Mixin, TemplateView):
    """One record's form, filled in; a POST saves it through the record's service (in one transaction, audited
    with before and after) or shows the refusals next to their fields. Those without the page's permission get
    404; a subclass may refuse one record (403) in `check`."""

    template_name = "portfolio/record_edit.html"
    model = None
    list_url_name = ""  # the list page it is linked from and returns to
    list_label = ""

    # Each page says how its form is made and which service saves it.
    def build_form(self, record, data=None):
        raise NotImplementedError(f"{type(self).__name__} must define build_form(): the record's form.")

    def save(self, record, form) -> str:
        raise NotImplementedError(f"{type(self).__name__} must define save(): the service that saves the record.")

    def check(self, record) -> None:
        """Refuse (PermissionDenied) a record the user may see but not change."""

    def load(self, pk):
        record = get_object_or_404(self.model.objects.restrict(self.request.user, "view"), pk=pk)
        self.check(record)
        return record

    def get(self, request, pk):
        record = self.load(pk)
        return self.render_to_response(self.get_context_data(record=record, form=self.build_form(record)))

    def post(self, request, pk):
        record = self.load(pk)
        form = self.build_form(record, request.POST)
        if form.is_valid():
            try:
                message = self.save(record, form)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, message)
                return redirect(self.list_url_name)
        return self.render_to_response(self.get_context_data(record=record, form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            list_url=reverse(self.list_url_name),
            list_label=self.list_label,
            kind=self.model._meta.verbose_name,
            **kwargs,
        )


def _changed(form) -> dict:
    """The fields the user changed: the service audits each before and after."""
    return {field: form.cleaned_data[field] for field in form.changed_data}


class TeamEditView(RecordEditView):
    model = Team
    required_permission = "portfolio.change_team"
    list_url_name, list_label = "portfolio:team_list", "Teams"

    def build_form(self, record, data=None):
        return TeamForm(data, initial={"name": record.name, "business_unit": record.business_unit_id})

    def save(self, record, form) -> str:
        team = services.team_update(actor=self.request.user, team=record, **_changed(form))
        return f"Team “{team}” saved."


class WaveEditView(RecordEditView):
    model = Wave
    required_permission = "portfolio.change_wave"
    list_url_name, list_label = "portfolio:wave_list", "Waves and capacity"

    def build_form(self, record, data=None):
        return WaveEditForm(data, wave=record)

    def save(self, record, form) -> str:
        user = self.request.user
        wave = services.wave_update(actor=user, wave=record, reason="edited in the browser", **form.changes())
        return f"Wave “{wave}” saved ({wave.start} to {wave.end})."


class AgreementEditView(RecordEditView):
    model = Agreement
    required_permission = "portfolio.change_agreement"
    list_url_name, list_label = "portfolio:agreement_list", "Agreements"

    def check(self, record) -> None:
        if not can(self.request.user, "change", record):
            raise PermissionDenied(
                f"Agreements are changed by their consuming unit ({record.consumer}): ask one of its program managers."
            )

    def build_form(self, record, data=None):
        initial = {f: getattr(record, f"{f}_id", None) or getattr(record, f) for f in AGREEMENT_FIELDS}
        return AgreementForm(data, user=self.request.user, initial=initial)

    def save(self, record, form) -> str:
        agreement = services.agreement_update(
            actor=self.request.user, agreement=record, reason="edited in the browser", **_changed(form)
        )
        return f"Agreement “{agreement}” saved, due {agreement.due_date}."


# --- Business units and their members (platform admins) -------------------------------------------------


class BusinessUnitListView(PermissionOr404Mixin, PlanningFormsPage):
    """Every business unit with its member count; add one."""

    template_name = "portfolio/business_unit_list.html"
    required_permission = "portfolio.change_businessunit"
    actions = {"unit": "portfolio.add_businessunit"}

    def build_form(self, action, data=None):
        return BusinessUnitForm(data)

    def perform(self, action, form) -> str:
        unit = services.business_unit_create(actor=self.request.user, **form.cleaned_data)
        return f"Business unit {unit} added: add its members from its page."

    def get_context_data(self, **kwargs):
        units = BusinessUnit.objects.annotate(members=Count("memberships")).order_by("-is_active", "name")
        return super().get_context_data(units=units, **kwargs)


class BusinessUnitDetailView(LoginRequiredMixin, PermissionOr404Mixin, View):
    """A unit's details (name, description, active) and its members: find people by name, add, remove."""

    template_name = "portfolio/business_unit_detail.html"
    required_permission = "portfolio.change_businessunit"

    def _unit(self, pk):
        return get_object_or_404(BusinessUnit.objects.all(), pk=pk)

    @staticmethod
    def _details_form(unit, data=None):
        return BusinessUnitForm(data, editing=True, initial=snapshot(unit, ("name", "description", "is_active")))

    def _render(self, request, unit, *, form=None, member_form=None, status=200):
        query = request.GET.get("q", "").strip()[:100]
        # At most 200 shown: the search narrows the list (the POST checks against all candidates).
        candidates = selectors.membership_candidates(business_unit=unit, query=query, limit=200)
        return render(
            request,
            self.template_name,
            {
                "unit": unit,
                "form": form or self._details_form(unit),
                "members": unit.memberships.select_related("user").order_by("user__last_name", "user__first_name"),
                "member_form": member_form or MemberAddForm(people=candidates),
                "query": query,
                "may_add": request.user.has_perm("portfolio.add_membership"),
                "may_remove": request.user.has_perm("portfolio.delete_membership"),
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(request, self._unit(pk))

    def post(self, request, pk):
        unit = self._unit(pk)
        step = request.POST.get("step", "")
        if step == "details":
            form = self._details_form(unit, request.POST)
            if form.is_valid():
                try:
                    services.business_unit_update(actor=request.user, business_unit=unit, **_changed(form))
                    messages.success(request, f"{unit.code} saved.")
                    return redirect("portfolio:business_unit_detail", pk=unit.pk)
                except ApplicationError as exc:
                    refusal_on_form(form, exc)
            return self._render(request, unit, form=form, status=400)
        if step == "add":
            form = MemberAddForm(request.POST, people=selectors.membership_candidates(business_unit=unit))
            if form.is_valid():
                try:
                    member = services.membership_add(
                        actor=request.user, user=form.cleaned_data["user"], business_unit=unit
                    )
                    messages.success(request, f"{_name(member.user)} is now a member of {unit.code}.")
                    return redirect("portfolio:business_unit_detail", pk=unit.pk)
                except ApplicationError as exc:
                    refusal_on_form(form, exc)
            return self._render(request, unit, member_form=form, status=400)
        if step == "remove":
            membership = get_object_or_404(unit.memberships.select_related("user"), pk=request.POST.get("membership"))
            try:
                services.membership_remove(
                    actor=request.user, membership=membership, reason=request.POST.get("reason", "")[:500]
                )
                messages.success(request, f"{_name(membership.user)} is no longer a member of {unit.code}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return redirect("portfolio:business_unit_detail", pk=unit.pk)
        messages.error(request, "Unknown step.")
        return redirect("portfolio:business_unit_detail", pk=unit.pk)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Scoring criteria --------------------------------------------------------------------------------


class ScoringCriterionListView(PlanningFormsPage):
    """The ranking's criteria with their weights and share of the score; add one (platform admins)."""

    template_name = "portfolio/scoring_criteria.html"
    actions = {"criterion": "portfolio.add_scoringcriterion"}

    def build_form(self, action, data=None):
        return ScoringCriterionForm(data, initial={"weight": 1, "higher_is_better": True, "is_active": True})

    def perform(self, action, form) -> str:
        criterion = services.scoring_criterion_create(actor=self.request.user, **form.values())
        return f"Criterion “{criterion}” added with weight {criterion.weight}: the ranking uses it now."

    def get_context_data(self, **kwargs):
        criteria = list(ScoringCriterion.objects.order_by("-is_active", "-weight", "name"))
        total = sum(c.weight for c in criteria if c.is_active) or 1
        for criterion in criteria:
            criterion.share = 100 * criterion.weight / total if criterion.is_active else None
        return super().get_context_data(
            criteria=criteria,
            may_change=self.request.user.has_perm("portfolio.change_scoringcriterion"),
            **kwargs,
        )


class ScoringCriterionEditView(RecordEditView):
    model = ScoringCriterion
    required_permission = "portfolio.change_scoringcriterion"
    list_url_name, list_label = "portfolio:scoring_criteria", "Scoring criteria"

    def build_form(self, record, data=None):
        initial = snapshot(record, ("name", "description", "weight", "higher_is_better", "is_active"))
        initial.update({f"rubric_{score}": text for score, text in (record.rubric or {}).items()})
        return ScoringCriterionForm(data, editing=True, initial=initial)

    def save(self, record, form) -> str:
        values = form.values()
        changes = {field: values[field] for field in form.changed_data if field in values}
        if any(field.startswith("rubric_") for field in form.changed_data):
            changes["rubric"] = values["rubric"]
        criterion = services.scoring_criterion_update(
            actor=self.request.user, criterion=record, reason="edited in the browser", **changes
        )
        state = "active" if criterion.is_active else "deactivated: it no longer counts"
        return f"Criterion “{criterion}” saved (weight {criterion.weight}, {state}); the ranking follows at once."


# --- Strategy -------------------------------------------------------------------------------------


class ObjectiveListView(LoginRequiredMixin, SortedTableMixin, TemplateView):
    """Objectives with their KPIs, sortable within each objective; `?format=csv` exports the KPIs so sorted."""

    template_name = "portfolio/objective_list.html"
    columns = (
        Column("kpi", "KPI", ("name",)),
        Column("baseline", "Baseline", ("baseline",), num=True),
        Column("latest", "Latest", ("latest_value",), num=True),
        Column("target", "Target", ("target",), num=True),
        Column("by", "By", ("target_date",)),
        Column("source", "Source", ("source",)),
    )
    export_filename = "lodestar-kpis.csv"

    def get_queryset(self):
        return self.sorted(selectors.kpi_list(user=self.request.user))

    def export_csv(self):
        return csv_response(csv_io.kpis_to_csv(self.get_queryset()), self.export_filename)

    def get_context_data(self, **kwargs):
        user = self.request.user
        kpis = list(self.get_queryset())
        by_objective = {}
        for kpi in kpis:
            by_objective.setdefault(kpi.objective_id, []).append(kpi)
        objectives = (
            selectors.objective_list(user=user)
            .filter(is_active=True)
            .annotate(
                use_cases=Count(
                    "use_case_links__use_case",
                    distinct=True,
                    filter=Q(use_case_links__use_case__in=selectors.use_case_list(user=user).values("pk")),
                )
            )
        )
        rows = [(objective, by_objective.get(objective.pk, [])) for objective in objectives]
        if "capability_form" not in kwargs:
            kwargs["capability_form"] = CapabilityForm() if user.has_perm("portfolio.add_capability") else None
        return super().get_context_data(rows=rows, capabilities=selectors.capability_tree(), **kwargs)

    def post(self, request):
        if not request.user.has_perm("portfolio.add_capability"):
            raise PermissionDenied("You may not add capabilities.")
        form = CapabilityForm(request.POST)
        if form.is_valid():
            try:
                capability = services.capability_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Capability “{capability.name}” added.")
                return redirect("portfolio:objective_list")
        return self.render_to_response(self.get_context_data(capability_form=form))


class ObjectiveCreateView(PermissionOr404Mixin, LoginRequiredMixin, FormView):
    required_permission = "portfolio.add_objective"
    form_class = ObjectiveForm
    template_name = "portfolio/simple_form.html"
    extra_context = {"heading": "New strategic objective", "submit": "Create objective"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            objective = services.objective_create(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Objective “{objective}” created. Add the KPIs that measure it.")
        return redirect("portfolio:objective_list")


class KPICreateView(PermissionOr404Mixin, RecordPageMixin, FormView):
    required_permission = "portfolio.add_kpi"
    form_class = KPIForm
    template_name = "portfolio/simple_form.html"

    def load_record(self, request, **kwargs):
        self.objective = get_object_or_404(selectors.objective_list(user=request.user), pk=kwargs["pk"])
        try:
            require_model_perm(request.user, KPI, "add", business_unit=self.objective.business_unit)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=f"New KPI for “{self.objective}”", submit="Create KPI", **kwargs)

    def form_valid(self, form):
        try:
            kpi = services.kpi_create(actor=self.request.user, objective=self.objective, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"KPI “{kpi.name}” created.")
        return redirect("portfolio:kpi_detail", pk=kpi.pk)


class KPIDetailView(RecordPageMixin, FormView):
    """A KPI's trend against baseline and target, with a form to record a measurement."""

    template_name = "portfolio/kpi_detail.html"
    form_class = MeasurementForm

    def load_record(self, request, **kwargs):
        self.kpi = get_object_or_404(selectors.kpi_list(user=request.user), pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        measurements = list(selectors.kpi_measurements(kpi=self.kpi))
        return super().get_context_data(
            kpi=self.kpi,
            measurements=measurements[::-1],
            trend=charts.kpi_trend(self.kpi, measurements),
            may_record=self.request.user.has_perm("portfolio.add_kpimeasurement"),
            contributors=self.kpi.use_case_links.filter(
                use_case__in=selectors.use_case_list(user=self.request.user).values("pk")
            ).select_related("use_case"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.kpi_measurement_record(actor=self.request.user, kpi=self.kpi, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded {form.cleaned_data['value']} for {form.cleaned_data['measured_on']}.")
        return redirect("portfolio:kpi_detail", pk=self.kpi.pk)
