"""Monitoring pages: sync runs, alerts (acknowledge, resolve), a version's metric charts, health and retraining.
They read the database only, never MLflow, so they render while MLflow is down (with a stale-data banner)."""

from abc import ABC, abstractmethod
from datetime import UTC, timedelta
from decimal import Decimal
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from core.downloads import csv_table_response
from core.exceptions import ApplicationError
from core.filters import FilteredListMixin, without
from core.forms import refusal_on_form
from core.permissions import can, manages_everything
from core.tables import Column, SortedTableMixin, person_name
from lifecycle.models import AIModel, ModelVersion
from monitoring import (
    actions,
    charts,
    comparisons,
    cost,
    currency,
    feedback,
    retraining,
    selectors,
    services,
    trends,
    value,
    webhooks,
)
from monitoring.choices import OPEN_RETRAINING_STATES, AlertStatus, HealthStatus, ProposalStatus, RetrainingStatus
from monitoring.filters import AlertWindowFilterSet
from monitoring.forms import (
    AlertAcknowledgeForm,
    AlertResolveForm,
    BudgetForm,
    ExchangeRateForm,
    FeedbackForm,
    ProposalConfirmForm,
    ProposalDismissForm,
    RetrainingDeclineForm,
    RetrainingLinkForm,
    RetrainingOpenForm,
    RetrainingScheduleForm,
    RetrainingStartForm,
    TrendWindowForm,
    ValueContractForm,
    WebhookEndpointForm,
)
from monitoring.models import ActionProposal, MetricDefinition, ValueContract
from portfolio.models import BusinessUnit, UseCase


class FreshnessMixin:
    def get_context_data(self, **kwargs):
        return super().get_context_data(freshness=selectors.sync_freshness(), **kwargs)


class SyncRunListView(LoginRequiredMixin, FreshnessMixin, ListView):
    template_name = "monitoring/sync_run_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.sync_run_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = selectors.sync_errors_for(self.request.user)
        for run in context["object_list"]:
            run.shown_errors = shown(run.errors)
        return context


class AlertListView(LoginRequiredMixin, FreshnessMixin, FilteredListMixin, SortedTableMixin, ListView):
    template_name = "monitoring/alert_list.html"
    paginate_by = 50
    filterset_class = AlertWindowFilterSet
    columns = (
        Column("id", "#", ("pk",), "pk"),
        Column("rule", "Rule", ("rule__name",), "rule.name"),
        Column("version", "Version", ("model_version__model__name", "model_version__version"), str),
        Column("severity", "Severity", ("severity",), "get_severity_display"),
        Column("status", "Status", ("status",), "get_status_display"),
        Column("latest", "Latest", ("last_breach_at",), "message"),
        Column("breaches", "Breaches", ("breaches",), "breaches", num=True),
        Column(
            "money",
            "Money at risk / day",
            ("money_at_risk",),
            "money_at_risk",
            num=True,
            title="Value per day the use case's value contract loses at the alerted value",
        ),
        Column("currency", "Currency", (), "model_version.model.use_case.value_contract.currency", shown=False),
        Column(
            "assignee",
            "Assignee",
            ("assignee__last_name", "assignee__username"),
            cell=lambda a: person_name(a.assignee),
        ),
    )
    export_filename = "lodestar-alerts.csv"

    def sort_asked(self):
        # Links made before the sortable headers asked for `?ordering=-money_at_risk`: they still work.
        if not self.request.GET.get("sort") and self.request.GET.get("ordering") == "-money_at_risk":
            return next(c for c in self.columns if c.key == "money"), True
        return super().sort_asked()

    def get_queryset(self):
        alerts = selectors.alert_list(user=self.request.user)
        status = self.request.GET.get("status", "active")
        if status == "active":
            alerts = alerts.exclude(status=AlertStatus.RESOLVED)
        elif status in AlertStatus.values:
            alerts = alerts.filter(status=status)
        return self.sorted(self.filtered(alerts))

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "active")
        context = self.filter_context()
        # The status links keep the drill-down's filters and the sort; the chips remove the filters.
        drill = without(self.request.GET, ["status", "ordering"])
        return super().get_context_data(status=status, drill=f"&{drill}" if drill else "", **context, **kwargs)


class AlertDetailView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    template_name = "monitoring/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = get_object_or_404(selectors.alert_list(user=self.request.user), pk=kwargs["pk"])
        proposal = (
            ActionProposal.objects.select_related("model", "version", "restore_version", "decided_by")
            .filter(alert=alert)
            .first()
        )
        may_decide = (
            proposal is not None
            and proposal.status == ProposalStatus.PROPOSED
            and can(self.request.user, "change", proposal.model)
        )
        return super().get_context_data(
            alert=alert,
            may_act=can(self.request.user, "change", alert),
            acknowledge_form=AlertAcknowledgeForm(),
            resolve_form=AlertResolveForm(),
            proposal=proposal,
            may_decide=may_decide,
            confirm_form=ProposalConfirmForm(),
            dismiss_form=ProposalDismissForm(),
            **kwargs,
        )


class _AlertActionView(LoginRequiredMixin, View, ABC):
    """A form posted on an alert; each subclass names its form and the service that acts."""

    form_class = None

    @abstractmethod
    def act(self, *, alert, data): ...

    def post(self, request, pk):
        alert = get_object_or_404(selectors.alert_list(user=request.user), pk=pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                done = self.act(alert=alert, data=form.cleaned_data)
                messages.success(request, f"Alert #{done.pk} is {done.get_status_display().lower()}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("monitoring:alert_detail", pk=pk)


class AlertAcknowledgeView(_AlertActionView):
    form_class = AlertAcknowledgeForm

    def act(self, *, alert, data):
        return services.alert_acknowledge(actor=self.request.user, alert=alert, note=data["note"])


class AlertResolveView(_AlertActionView):
    form_class = AlertResolveForm

    def act(self, *, alert, data):
        return services.alert_resolve(
            actor=self.request.user, alert=alert, root_cause=data["root_cause"], note=data["note"]
        )


class _ProposalDecisionView(LoginRequiredMixin, View, ABC):
    """Confirm or dismiss what an alert proposes (roll back, suspend); the service checks who may."""

    form_class = None

    @abstractmethod
    def act(self, *, proposal, data): ...

    def post(self, request, pk):
        alert = get_object_or_404(selectors.alert_list(user=request.user), pk=pk)
        proposal = get_object_or_404(ActionProposal, alert=alert)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                done = self.act(proposal=proposal, data=form.cleaned_data)
                messages.success(
                    request, f"{done.get_kind_display()}: {done.get_status_display().lower()}. {done.result}"
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("monitoring:alert_detail", pk=pk)


class ProposalConfirmView(_ProposalDecisionView):
    form_class = ProposalConfirmForm

    def act(self, *, proposal, data):
        return actions.action_proposal_confirm(actor=self.request.user, proposal=proposal, note=data["note"])


class ProposalDismissView(_ProposalDecisionView):
    form_class = ProposalDismissForm

    def act(self, *, proposal, data):
        return actions.action_proposal_dismiss(actor=self.request.user, proposal=proposal, note=data["note"])


class VersionMetricsView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    template_name = "monitoring/version_metrics.html"

    def get_context_data(self, **kwargs):
        version = get_object_or_404(
            ModelVersion.objects.restrict(self.request.user, "view").select_related("model__use_case"),
            pk=kwargs["pk"],
        )
        rows = selectors.version_series(user=self.request.user, version=version)
        figures = []
        for metric, group in groupby(rows, key=lambda row: row[0].metric):
            figures.append((metric, charts.series_chart(list(group))))
        alerts = selectors.alert_list(user=self.request.user).filter(model_version=version)[:20]
        health = selectors.health_list(user=self.request.user).filter(model_version=version).first()
        summary = selectors.feedback_summary(user=self.request.user, model_ids=[version.model_id])
        recent = selectors.feedback_list(user=self.request.user).filter(model_version=version)[:10]
        return super().get_context_data(
            version=version,
            **self.trend_context(version),
            figures=figures,
            alerts=alerts,
            health=health,
            feedback_summary=summary.get(version.model_id),
            feedback_recent=recent,
            feedback_form=FeedbackForm(),
            **kwargs,
        )

    def trend_context(self, version) -> dict:
        """Daily trends of the drift and performance metrics over the chosen window (a bad window is named
        and the default shown); a point opens the alerts of its day."""
        form = TrendWindowForm(self.request.GET or None)
        days = (form.cleaned_data["window"] if form.is_valid() else None) or trends.DEFAULT_WINDOW
        first, last = trends.window_days(days=days, today=timezone.now().astimezone(UTC).date())
        alerts_url = reverse("monitoring:alert_list")

        def url_for(metric):
            def day_url(day):
                params = {"status": "all", "model_version": version.pk, "metric": metric.name}
                return f"{alerts_url}?{urlencode({**params, 'breached_after': day, 'breached_before': day})}"

            return day_url

        rows = trends.version_trends(user=self.request.user, version=version, days=days, today=last)
        return {
            "trend_window": days,
            "trend_windows": trends.WINDOWS,
            "trend_errors": form.errors,
            "trends": [
                (t, charts.trend_chart(t, first=first, last=last, url_for=url_for(t.metric)) if t.days else None)
                for t in rows
            ],
        }


class FeedbackGiveView(LoginRequiredMixin, View):
    """Flag a prediction of the version from its monitoring page."""

    def post(self, request, pk):
        version = get_object_or_404(ModelVersion.objects.restrict(request.user, "view").select_related("model"), pk=pk)
        form = FeedbackForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                given = feedback.feedback_give(actor=request.user, version=version, **form.cleaned_data)
                messages.success(
                    request, f"Thank you: your {given.rating}/5 on prediction {given.prediction_id} is recorded."
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect(reverse("monitoring:version_metrics", args=[version.pk]) + "#feedback")


class CompareView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    """A candidate (canary, shadow, challenger) against another version, by default its model's production one."""

    template_name = "monitoring/compare.html"

    def get_context_data(self, **kwargs):
        visible = ModelVersion.objects.restrict(self.request.user, "view").select_related("model__use_case")
        candidate = get_object_or_404(visible, pk=kwargs["pk"])
        # Its own model's other versions, and the champions of other models serving the same use case.
        others = (
            visible.filter(model__use_case_id=candidate.model.use_case_id)
            .exclude(pk=candidate.pk)
            .order_by(Case(When(model_id=candidate.model_id, then=0), default=1), "model__name", "-created_at")
        )
        chosen = self.request.GET.get("incumbent", "")
        incumbent = others.filter(**({"pk": int(chosen)} if chosen.isdigit() else {"stage": "production"})).first()
        metrics = MetricDefinition.objects.filter(series__model_version=candidate).distinct().order_by("name")
        metric = metrics.filter(name=self.request.GET.get("metric", "")).first() or metrics.first()
        days = int(self.request.GET["days"]) if self.request.GET.get("days", "").isdigit() else 30
        days = min(max(days, 1), 365)
        comparison = figure = None
        if incumbent is not None and metric is not None:
            since = int((timezone.now() - timedelta(days=days)).timestamp() * 1000)
            points = [comparisons.window_points(version, metric, since) for version in (candidate, incumbent)]
            comparison = comparisons.compare_versions(
                candidate=candidate, incumbent=incumbent, metric=metric, since_ms=since
            )
            figure = charts.comparison_chart([(f"{candidate} (candidate)", points[0]), (str(incumbent), points[1])])
        return super().get_context_data(
            candidate=candidate,
            incumbent=incumbent,
            others=others,
            metrics=metrics,
            metric=metric,
            days=days,
            comparison=comparison,
            figure=figure,
            **kwargs,
        )


# --- Cost ----------------------------------------------------------------------------------------------


class CostView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    """Monthly spend by business unit, its forecast and budget, the models over budget; `?unit=CODE` narrows
    everything to one unit."""

    template_name = "monitoring/cost.html"
    months = 12

    def get_context_data(self, **kwargs):
        user = self.request.user
        units = list(BusinessUnit.objects.order_by("code").values_list("code", "name"))
        asked = self.request.GET.get("unit", "")
        unit = asked if asked in {code for code, _ in units} else None
        if asked and unit is None:
            kwargs["unit_error"] = f"No business unit has the code “{asked}”: showing every unit."
        scope = unit or cost.TOTAL
        history, forecasts = cost.spend_and_forecast(user=user, unit=unit, months=self.months)
        forecast = next((f for f in forecasts if f["unit"] == scope), None)
        budgets = cost.budget_lines(user=user, unit=unit, months=self.months)
        may_set = user.has_perm("monitoring.manage_budget")
        economics = value.unit_economics(user=user, unit=unit)
        return super().get_context_data(
            units=units,
            unit=unit,
            figure=charts.cost_chart(history=history, forecast=forecast, budgets=budgets, scope=scope),
            table=_cost_table(history, budgets, scope),
            table_units=sorted({row["unit"] for row in history}),
            forecast=forecast,
            method=cost.forecast_method(),
            over_budget=cost.models_over_budget(user=user, unit=unit),
            unit_economics=economics,
            negative_margins=[r for r in economics if r["margin_per_1000"] is not None and r["margin_per_1000"] < 0],
            missing_rates=value.missing_rates(economics),
            rate_captions=sorted({r["rate"].caption for r in economics if r["rate"] and r["rate"].caption}),
            budget_list=cost.budget_list(user=user, unit=unit)[:50],
            budget_form=BudgetForm(user=user, initial={"valid_from": timezone.now().strftime("%Y-%m")})
            if may_set
            else None,
            **kwargs,
        )


def _cost_table(history: list[dict], budgets: list[dict], scope: str) -> list[dict]:
    """One row per month: spend per unit (in the order of the columns), total, budget of the scope."""
    units = sorted({row["unit"] for row in history})
    budget = {row["month"]: row["budget"] for row in budgets if row["unit"] == scope}
    months: dict[str, dict] = {}
    for row in history:
        entry = months.setdefault(row["month"], {"month": row["month"], "partial": row["partial"], "by_unit": {}})
        entry["by_unit"][row["unit"]] = row["cost"]
    return [
        {
            "month": month,
            "partial": entry["partial"],
            "costs": [entry["by_unit"].get(u) for u in units],
            "total": round(sum(entry["by_unit"].values()), 2),
            "budget": budget.get(month),
        }
        for month, entry in sorted(months.items())
    ]


UNIT_ECONOMICS_HEADER = (
    "model",
    "use case",
    "unit",
    "requests (30 days)",
    "cost USD (30 days)",
    "cost USD per 1,000 predictions",
    "cost per 1,000 predictions in the currency of value",
    "value per 1,000 predictions",
    "margin per 1,000 predictions",
    "currency of value",
    "exchange rate used",
)


class UnitEconomicsCsvView(LoginRequiredMixin, View):
    """The unit economics of the cost page as a CSV file (`?unit=CODE` narrows it), worst margin first."""

    def get(self, request):
        unit = request.GET.get("unit", "")[:20] or None
        rows = value.unit_economics(user=request.user, unit=unit)
        return csv_table_response(
            UNIT_ECONOMICS_HEADER,
            [
                (
                    r["model"],
                    r["use_case"],
                    r["unit"],
                    r["requests"],
                    r["cost"],
                    r["cost_per_1000"],
                    r["cost_per_1000_converted"],
                    r["value_per_1000"],
                    r["margin_per_1000"],
                    r["currency"],
                    r["rate"].caption if r["rate"] else "no rate recorded: not combined",
                )
                for r in rows
            ],
            "unit-economics.csv",
        )


class BudgetSetView(LoginRequiredMixin, View):
    """The budget form of the cost page (POST only): the service decides who may set what."""

    def post(self, request):
        form = BudgetForm(request.POST, user=request.user)
        unit = request.POST.get("return_unit", "")
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                budget = services.budget_set(actor=request.user, **form.cleaned_data)
                messages.success(request, f"{budget}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        target = reverse("monitoring:cost")
        return redirect(f"{target}?{urlencode({'unit': unit})}" if unit.isalnum() else target)


# --- Health -------------------------------------------------------------------------------------------


class HealthListView(LoginRequiredMixin, FreshnessMixin, ListView):
    """Production models with their health and reasons; ?status=, ?unit= (code) and ?mine=1 filter."""

    template_name = "monitoring/health_list.html"
    paginate_by = 50

    def filters(self) -> dict:
        get = self.request.GET
        return {
            "status": get.get("status", "") if get.get("status") in HealthStatus.values else "",
            "unit": get.get("unit", "")[:20],
            "mine": get.get("mine") == "1",
        }

    def get_queryset(self):
        return selectors.health_list(user=self.request.user, **self.filters())

    def get_context_data(self, **kwargs):
        filters = self.filters()
        query = urlencode({k: (1 if k == "mine" else v) for k, v in filters.items() if v})
        return super().get_context_data(
            filters=filters,
            query=query,
            statuses=HealthStatus.choices,
            units=BusinessUnit.objects.order_by("code").values_list("code", "name"),
            shares=selectors.health_shares(user=self.request.user),
            **kwargs,
        )


# --- Retraining ---------------------------------------------------------------------------------------


class RetrainingListView(LoginRequiredMixin, ListView):
    """Retraining requests the user may see, open ones first; owners and admins act from the rows."""

    template_name = "monitoring/retraining_list.html"
    paginate_by = 50

    def get_queryset(self):
        requests = selectors.retraining_request_list(user=self.request.user)
        status = self.request.GET.get("status", "open")
        if status == "open":
            requests = requests.filter(status__in=OPEN_RETRAINING_STATES)
        elif status in RetrainingStatus.values:
            requests = requests.filter(status=status)
        model = self.request.GET.get("model", "")
        if model.isdigit():
            requests = requests.filter(model_id=int(model))
        return requests

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = context["object_list"]
        # Versions that may answer a request: those of its model registered after it (one query for the page).
        candidates: dict[int, list[ModelVersion]] = {}
        model_ids = {r.model_id for r in rows if r.status in OPEN_RETRAINING_STATES}
        for version in ModelVersion.objects.restrict(user, "view").filter(model_id__in=model_ids).order_by("-pk"):
            candidates.setdefault(version.model_id, []).append(version)
        owned = set(AIModel.objects.filter(pk__in={r.model_id for r in rows}, owners=user).values_list("pk", flat=True))
        admin = manages_everything(user)
        may_act = user.has_perm("monitoring.change_retrainingrequest")
        for row in rows:
            row.may_act = may_act and (admin or row.model_id in owned) and row.status in OPEN_RETRAINING_STATES
            row.candidates = [v for v in candidates.get(row.model_id, []) if v.created_at >= row.created_at]
        openable = AIModel.objects.restrict(user, "view").order_by("name")
        if not admin:
            openable = openable.filter(owners=user)
        return {
            **context,
            "status": self.request.GET.get("status", "open"),
            "open_form": (
                RetrainingOpenForm(models=openable) if user.has_perm("monitoring.add_retrainingrequest") else None
            ),
            "schedules": selectors.retraining_schedule_list(user=user)[:100],
            "schedule_form": (
                RetrainingScheduleForm(models=openable, initial={"active": True, "every_days": 90})
                if user.has_perm("monitoring.add_retrainingschedule")
                else None
            ),
        }


class RetrainingOpenView(LoginRequiredMixin, View):
    def post(self, request):
        models = AIModel.objects.restrict(request.user, "view")
        form = RetrainingOpenForm(request.POST, models=models)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                done = retraining.retraining_request_open(
                    actor=request.user, model=form.cleaned_data["model"], notes=form.cleaned_data["notes"]
                )
                messages.success(request, f"Retraining request #{done.pk} is open; the owners are told.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("monitoring:retraining_list")


class RetrainingScheduleView(LoginRequiredMixin, View):
    def post(self, request):
        form = RetrainingScheduleForm(request.POST, models=AIModel.objects.restrict(request.user, "view"))
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                schedule = retraining.retraining_schedule_set(actor=request.user, **form.cleaned_data)
                messages.success(request, f"{schedule}; next request on {schedule.next_due:%Y-%m-%d}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("monitoring:retraining_list")


class _RetrainingActionView(LoginRequiredMixin, View, ABC):
    """A form posted on a retraining request; each subclass names its form and the service that acts."""

    form_class = None

    @abstractmethod
    def act(self, *, retraining_request, data): ...

    def post(self, request, pk):
        found = get_object_or_404(selectors.retraining_request_list(user=request.user), pk=pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                done = self.act(retraining_request=found, data=form.cleaned_data)
                messages.success(request, f"Retraining request #{done.pk} is {done.get_status_display().lower()}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("monitoring:retraining_list")


class RetrainingStartView(_RetrainingActionView):
    form_class = RetrainingStartForm

    def act(self, *, retraining_request, data):
        return retraining.retraining_request_start(
            actor=self.request.user, request=retraining_request, note=data["note"]
        )


class RetrainingLinkView(_RetrainingActionView):
    form_class = RetrainingLinkForm

    def act(self, *, retraining_request, data):
        version = get_object_or_404(ModelVersion.objects.restrict(self.request.user, "view"), pk=data["version"])
        return retraining.retraining_request_link_version(
            actor=self.request.user, request=retraining_request, version=version
        )


class RetrainingDeclineView(_RetrainingActionView):
    form_class = RetrainingDeclineForm

    def act(self, *, retraining_request, data):
        return retraining.retraining_request_decline(
            actor=self.request.user, request=retraining_request, reason=data["reason"]
        )


# --- Outgoing webhooks (platform admins) ---------------------------------------------------------------------


class WebhookPermissionMixin:
    """Platform admins only; to anyone else the page does not exist."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("monitoring.manage_webhook"):
            raise Http404("No such page.")
        return super().dispatch(request, *args, **kwargs)


class WebhookListView(LoginRequiredMixin, WebhookPermissionMixin, TemplateView):
    template_name = "monitoring/webhooks.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            endpoints=selectors.webhook_endpoints(),
            deliveries=selectors.webhook_deliveries()[:50],
            form=kwargs.pop("form", None) or WebhookEndpointForm(initial={"active": True}),
            **kwargs,
        )

    def post(self, request):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = webhooks.webhook_endpoint_create(actor=request.user, **form.cleaned_data)
                messages.success(request, f"Webhook “{endpoint}” added.")
                return redirect("monitoring:webhook_list")
            except ApplicationError as exc:
                for field, problems in (exc.details or {}).items():
                    if field in form.fields:
                        form.add_error(field, problems)
                messages.error(request, exc.message)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Exchange rates -------------------------------------------------------------------------------------


class ExchangeRateListView(LoginRequiredMixin, TemplateView):
    """The exchange rates entered, for every signed-in reader (the cost page and its captions cite them); a
    form to enter one for those who may (platform admins), through the audited service."""

    template_name = "monitoring/exchange_rates.html"

    def may_enter(self) -> bool:
        return self.request.user.has_perm("monitoring.add_exchangerate")

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        if form is None and self.may_enter():
            form = ExchangeRateForm(initial={"quote_currency": currency.portfolio_currency()})
        return super().get_context_data(
            rates=currency.exchange_rate_list()[:200],
            portfolio_currency=currency.portfolio_currency(),
            form=form,
            **kwargs,
        )

    def post(self, request):
        if not self.may_enter():
            raise PermissionDenied("You may not enter exchange rates: ask a platform admin.")
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                rate = currency.exchange_rate_set(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Rate recorded: {rate}.")
                return redirect("monitoring:exchange_rates")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Value contracts (a panel on portfolio's use case page, registered in AppConfig.ready) ------------


def use_case_value_panel(*, request, use_case) -> str:
    """The "Value contract" panel: formula, constants, realised value per day over the last 30 days against the
    projected value per day, and the form to set the contract for those who may change the use case."""
    contract = ValueContract.objects.filter(use_case=use_case).first()
    may_set = can(request.user, "change", use_case)
    if contract is None and not may_set:
        return ""
    start = timezone.now().date() - timedelta(days=value.WINDOW_DAYS)
    rows = list(value.realisation_list(user=request.user, use_case=use_case).filter(day__gt=start).order_by("day"))
    in_currency = contract.currency if contract else value.default_currency()
    # The projected value is in the portfolio's currency: compared only with a contract in that currency.
    projected = value.projected_per_day(use_case) if in_currency == value.default_currency() else None
    realised = [r.value for r in rows if r.value is not None]
    figure = (
        charts.value_chart(
            days=[r.day.isoformat() for r in rows],
            values=[float(r.value) if r.value is not None else None for r in rows],
            projected=float(projected) if projected is not None else None,
            currency=in_currency,
        )
        if rows
        else None
    )
    form = None
    if may_set:
        initial = (
            {
                "formula": contract.formula,
                "constants": ValueContractForm.constants_text(contract.constants),
                "currency": contract.currency,
            }
            if contract
            else {}
        )
        form = ValueContractForm(initial=initial)
    return render_to_string(
        "monitoring/partials/value_contract_panel.html",
        {
            "use_case": use_case,
            "contract": contract,
            "constants": sorted(contract.constants.items()) if contract else [],
            "rows": rows[-10:][::-1],
            "days": len(rows),
            "mean": (sum(realised) / len(realised)).quantize(Decimal("0.01")) if realised else None,
            "projected": projected,
            "currency": in_currency,
            "portfolio_currency": value.default_currency(),
            "conversions": value.contract_conversions(contract, on=timezone.now().date()) if contract else [],
            "figure": figure,
            "form": form,
        },
        request=request,
    )


class ValueContractSetView(LoginRequiredMixin, View):
    """The form of the use case page's value panel (POST only): the service decides who may set it."""

    def post(self, request, pk):
        use_case = get_object_or_404(UseCase.objects.restrict(request.user, "view"), pk=pk)
        form = ValueContractForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                value.value_contract_set(actor=request.user, use_case=use_case, **form.cleaned_data)
                messages.success(request, f"The value contract of {use_case.code} is set.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect(reverse("portfolio:usecase_detail", args=[use_case.pk]) + "#value-contract")
