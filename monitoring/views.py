"""Monitoring pages: sync runs, alerts (acknowledge, resolve) and a version's metric charts. They read the
database only, never MLflow, so they render while MLflow is down (with a stale-data banner)."""

from abc import ABC, abstractmethod
from datetime import timedelta
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Case, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import ApplicationError
from core.permissions import can
from lifecycle.models import ModelVersion
from monitoring import charts, comparisons, cost, selectors, services
from monitoring.choices import AlertStatus
from monitoring.forms import AlertAcknowledgeForm, AlertResolveForm, BudgetForm
from monitoring.models import MetricDefinition
from portfolio.models import BusinessUnit


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


class AlertListView(LoginRequiredMixin, FreshnessMixin, ListView):
    template_name = "monitoring/alert_list.html"
    paginate_by = 50

    def get_queryset(self):
        alerts = selectors.alert_list(user=self.request.user)
        status = self.request.GET.get("status", "active")
        if status == "active":
            return alerts.exclude(status=AlertStatus.RESOLVED)
        if status in AlertStatus.values:
            return alerts.filter(status=status)
        return alerts

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=self.request.GET.get("status", "active"), **kwargs)


class AlertDetailView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    template_name = "monitoring/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = get_object_or_404(selectors.alert_list(user=self.request.user), pk=kwargs["pk"])
        return super().get_context_data(
            alert=alert,
            may_act=can(self.request.user, "change", alert),
            acknowledge_form=AlertAcknowledgeForm(),
            resolve_form=AlertResolveForm(),
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


class VersionMetricsView(LoginRequiredMixin, FreshnessMixin, TemplateView):
    template_name = "monitoring/version_metrics.html"

    def get_context_data(self, **kwargs):
        version = get_object_or_404(
            ModelVersion.objects.restrict(self.request.user, "view").select_related("model"), pk=kwargs["pk"]
        )
        rows = selectors.version_series(user=self.request.user, version=version)
        figures = []
        for metric, group in groupby(rows, key=lambda row: row[0].metric):
            figures.append((metric, charts.series_chart(list(group))))
        alerts = selectors.alert_list(user=self.request.user).filter(model_version=version)[:20]
        return super().get_context_data(version=version, figures=figures, alerts=alerts, **kwargs)


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
            comparison = comparisons.compare_values(
                metric=metric, a=[v for _, v in points[0]], b=[v for _, v in points[1]]
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
        unit = self.request.GET.get("unit", "")
        unit = unit if unit in {code for code, _ in units} else None
        scope = unit or cost.TOTAL
        history = cost.monthly_cost_by_unit(user=user, months=self.months, unit=unit)
        forecasts = cost.cost_forecast(user=user, unit=unit)
        forecast = next((f for f in forecasts if f["unit"] == scope), None)
        budgets = cost.budget_lines(user=user, unit=unit, months=self.months)
        may_set = user.has_perm("monitoring.manage_budget")
        return super().get_context_data(
            units=units,
            unit=unit,
            figure=charts.cost_chart(history=history, forecast=forecast, budgets=budgets, scope=scope),
            table=_cost_table(history, budgets, scope),
            table_units=sorted({row["unit"] for row in history}),
            forecast=forecast,
            method=cost.forecast_method(),
            over_budget=cost.models_over_budget(user=user, unit=unit),
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
