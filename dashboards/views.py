"""Landing pages per role. Each composes selectors of the apps below; later issues add their panels."""

from datetime import datetime, time, timedelta

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.views.generic import TemplateView

from audit.selectors import audit_event_list
from core.mlflow_client import server_status
from governance import calendar_sources
from governance import selectors as governance
from governance.selectors import sign_off_functions_held
from lifecycle import selectors as lifecycle
from monitoring import charts as monitoring_charts
from monitoring import selectors as monitoring
from portfolio import selectors as portfolio


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Opens only for holders of the dashboard's permission; others get 403."""

    raise_exception = True
    heading = ""

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            heading=self.heading,
            today=timezone.localdate(),
            my_units=portfolio.user_business_units(user=user),
            totals=portfolio.portfolio_totals(user=user),
            **kwargs,
        )


class ExecutiveDashboard(DashboardView):
    permission_required = "dashboards.view_executive"
    template_name = "dashboards/executive.html"
    heading = "Executive portfolio"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            by_unit=portfolio.portfolio_by_business_unit(user=user),
            by_status=portfolio.use_case_counts_by_status(user=user),
            **kwargs,
        )


class ProgramDashboard(DashboardView):
    permission_required = "dashboards.view_program"
    template_name = "dashboards/program.html"
    heading = "Program management"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            by_status=portfolio.use_case_counts_by_status(user=user),
            recent=portfolio.use_case_list(user=user).order_by("-created_at")[:8],
            assumptions_due=portfolio.assumptions_due(user=user)[:8],
            budget=portfolio.budget_split(user=user),
            reviews=portfolio.portfolio_review_list()[:3],
            **kwargs,
        )


class ReviewBoardDashboard(DashboardView):
    permission_required = "dashboards.view_review_board"
    template_name = "dashboards/review_board.html"
    heading = "Review board"

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        soon = today + timedelta(days=30)
        return super().get_context_data(
            functions=sign_off_functions_held(user=user),
            queue=governance.review_queue_rows(user=user)[:15],
            turnaround=governance.TURNAROUND_DAYS,
            decisions=governance.decisions_since(
                user=user, since=timezone.make_aware(datetime.combine(quarter_start, time.min))
            ),
            quarter_start=quarter_start,
            expiring=list(calendar_sources.approval_expiries(user=user, start=today, end=soon)),
            reassessments=list(
                calendar_sources.reassessments_due(user=user, start=today - timedelta(days=365), end=soon)
            ),
            exceptions=governance.live_exceptions(user=user),
            **kwargs,
        )


class DataScienceDashboard(DashboardView):
    permission_required = "dashboards.view_data_science"
    template_name = "dashboards/data_science.html"
    heading = "Data science"

    def get_context_data(self, **kwargs):
        user = self.request.user
        trends = monitoring.production_trends(user=user, metric_name="psi")
        return super().get_context_data(
            my_models=lifecycle.owned_models_by_stage(user=user),
            blocked=lifecycle.blocked_versions(user=user),
            my_alerts=monitoring.my_open_alerts(user=user)[:15],
            drift_figure=monitoring_charts.comparison_chart(trends) if trends else None,
            unit_use_cases=portfolio.use_case_list(user=user).filter(business_unit__memberships__user=user)[:10],
            **kwargs,
        )


class AdministrationDashboard(DashboardView):
    permission_required = "dashboards.view_administration"
    template_name = "dashboards/administration.html"
    heading = "Platform administration"

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        return super().get_context_data(
            user_count=User.objects.filter(is_active=True).count(),
            roles=Group.objects.annotate(members=Count("user")).order_by("name"),
            recent_events=audit_event_list(user=self.request.user)[:10],
            mlflow=server_status(),
            **kwargs,
        )
