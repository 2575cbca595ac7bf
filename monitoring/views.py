"""Monitoring pages: sync runs, alerts (acknowledge, resolve) and a version's metric charts. They read the
database only, never MLflow, so they render while MLflow is down (with a stale-data banner)."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import ApplicationError
from core.permissions import can
from lifecycle.models import ModelVersion
from monitoring import charts, selectors, services
from monitoring.choices import AlertStatus
from monitoring.forms import AlertAcknowledgeForm, AlertResolveForm


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


class _AlertActionView(LoginRequiredMixin, View):
    form_class = None

    def act(self, *, alert, data):
        raise NotImplementedError

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
