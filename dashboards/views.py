"""Landing pages per role. Each composes selectors of the apps below; later issues add their panels."""

from collections import Counter
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import Group, User
from django.db.models import Count
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from audit.selectors import audit_event_list
from compliance import selectors as compliance
from core.downloads import csv_table_response
from core.exceptions import ApplicationError
from core.page_cache import CachedPageMixin
from core.periods import quarter_end, quarter_label, quarter_start, quarters_back
from dashboards import charts
from dashboards.cache import PanelCache
from dashboards.filters import DashboardFilters
from governance import calendar_sources
from governance import selectors as governance
from governance.selectors import sign_off_functions_held
from lifecycle import selectors as lifecycle
from lifecycle.choices import Stage
from lifecycle.mlflow_client import server_status
from monitoring import charts as monitoring_charts
from monitoring import cost
from monitoring import feedback as monitoring_feedback
from monitoring import selectors as monitoring
from portfolio import charts as portfolio_charts
from portfolio import selectors as portfolio
from portfolio.api.views import weight_overrides
from portfolio.choices import RiskTier, UseCaseStatus
from portfolio.conflicts import plan_conflicts
from portfolio.ranking import criteria_with_weights, ranking

# The risk heatmap's columns: where models stand, most advanced first (rejected and deprecated left out).
HEATMAP_STAGES = [
    Stage.PRODUCTION,
    Stage.STAGING,
    Stage.APPROVED,
    Stage.PENDING_APPROVAL,
    Stage.IN_VALIDATION,
    Stage.REGISTERED,
    Stage.SUSPENDED,
    Stage.RETIRED,
]
# The funnel counts each use case at every step it has reached.
FUNNEL = [
    ("Proposed", list(UseCaseStatus)),
    ("Assessed", ["assessing", "approved", "in_delivery", "live", "retired"]),
    ("Approved", ["approved", "in_delivery", "live", "retired"]),
    ("In delivery", ["in_delivery", "live", "retired"]),
    ("Live", ["live", "retired"]),
]


LIVE_STATUSES = "&status=live&status=retired"  # the use cases whose value is realised


def _pct(share):
    return None if share is None else round(share * 100, 1)


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, CachedPageMixin, TemplateView):
    """Opens only for holders of the dashboard's permission; others get 403. The filters live in the
    URL; `?export=<table>` downloads a table of the page as CSV (the names are in `exports`)."""

    raise_exception = True
    heading = ""
    exports: dict[str, str] = {}  # export name -> method returning (header, rows)

    def get(self, request, *args, **kwargs):
        self.filters = DashboardFilters(request.GET or None, user=request.user)
        self.scope = self.filters.values
        query = sorted((k, v) for k, v in request.GET.items() if k != "export")
        self.panels = PanelCache(user=request.user, page=request.resolver_match.url_name, query=urlencode(query))
        export = request.GET.get("export")
        if export:
            if export not in self.exports:
                raise Http404("No such table on this dashboard.")
            header, rows = getattr(self, self.exports[export])()
            return csv_table_response(header, rows, f"lodestar-{self.request.resolver_match.url_name}-{export}.csv")
        return super().get(request, *args, **kwargs)

    def kpi_alignment(self):
        scope = self.scope
        return portfolio.kpi_alignment(
            user=self.request.user, unit=scope["unit"], objective=scope["objective"], since=scope["since"]
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("export", None)
        return super().get_context_data(
            heading=self.heading,
            today=timezone.localdate(),
            my_units=portfolio.user_business_units(user=user),
            totals=portfolio.portfolio_totals(user=user),
            filters=self.filters,
            scope=self.scope,
            query=query.urlencode(),
            **kwargs,
        )


class ExecutiveDashboard(DashboardView):
    permission_required = "dashboards.view_executive"
    template_name = "dashboards/executive.html"
    heading = "Executive portfolio"
    exports = {
        "kpis": "kpi_table",
        "value": "value_table",
        "risk": "risk_table",
        "lifecycle": "moves_table",
        "cost": "cost_table",
        "compliance": "compliance_table",
    }

    # --- the panels, each one question -----------------------------------------------------------
    def kpi_rows(self):
        scope, user = self.scope, self.request.user
        rows = portfolio.kpi_alignment(
            user=user, unit=scope["unit"], objective=scope["objective"], since=scope["since"]
        )
        cases = set().union(*(r.live_use_cases for r in rows)) if rows else set()
        in_production = lifecycle.production_models_by_use_case(user=user, use_case_ids=cases)
        for row in rows:
            row.production_models = sum(in_production.get(c, 0) for c in row.live_use_cases)
        return rows

    def kpi_table(self):
        header = ["objective", "kpi", "unit", "baseline", "target", "target_date", "latest", "latest_on",
                  "progress_pct", "expected_pct", "verdict", "live_use_cases", "expected_contribution",
                  "production_models"]  # fmt: skip
        return header, [
            [
                r.kpi.objective.title,
                r.kpi.name,
                r.kpi.unit,
                r.kpi.baseline,
                r.kpi.target,
                r.kpi.target_date,
                r.latest,
                r.latest_on,
                _pct(r.progress),
                _pct(r.expected),
                r.verdict.replace("_", " "),
                len(r.live_use_cases),
                r.expected_contribution,
                r.production_models,
            ]  # fmt: skip
            for r in self.kpi_rows()
        ]

    def value_rows(self):
        return self.panels.get("value", self._value_rows)

    def _value_rows(self):
        rows = portfolio.benefits_by_objective(user=self.request.user)
        if self.scope["objective"] is not None:
            rows = [r for r in rows if r["objective"].pk == self.scope["objective"].pk]
        return rows, list(portfolio.value_by_business_unit(user=self.request.user, unit=self.scope["unit"]))

    def value_table(self):
        by_objective, by_unit = self.value_rows()
        return ["group", "name", "projected", "realised"], [
            *(["objective", r["objective"].title, r["projected"], r["realised"]] for r in by_objective),
            *(["business unit", r["business_unit__code"], r["projected"], r["realised_total"]] for r in by_unit),
        ]

    def risk_counts(self):
        return self.panels.get(
            "risk", lambda: lifecycle.tier_stage_counts(user=self.request.user, unit=self.scope["unit"])
        )

    def risk_table(self):
        counts = self.risk_counts()
        return ["risk tier", *(s.label for s in HEATMAP_STAGES)], [
            [tier.label, *(counts.get((tier.value, s.value), 0) for s in HEATMAP_STAGES)] for tier in RiskTier
        ]

    def quarters(self):
        return quarters_back(timezone.localdate(), max(2, round(self.scope["months"] / 3)))

    def moves(self):
        return self.panels.get("moves-by-quarter", self._moves)  # (name, counts, colour, urls) per series

    def _moves(self):
        user, unit = self.request.user, self.scope["unit"]
        starts = self.quarters()
        since = timezone.make_aware(datetime.combine(starts[0], time.min))
        cases = portfolio.use_case_moves_by_quarter(user=user, since=since, unit=unit)
        versions = lifecycle.stage_moves_by_quarter(user=user, since=since, unit=unit)
        labels = [quarter_label(s) for s in starts]
        cases_url, versions_url = reverse("portfolio:usecase_list"), reverse("lifecycle:version_list")

        def drill(base, start, step, **unit_param):
            # The list behind a bar: the same visible items, unit and quarter the selector counted.
            window = {"after": start.isoformat(), "before": quarter_end(start).isoformat()}
            if step == "proposed":
                params = {f"created_{k}": v for k, v in window.items()}
            else:
                params = {"moved_to": step, **{f"moved_{k}": v for k, v in window.items()}}
            return base + "?" + urlencode({**params, **unit_param})

        case_unit = {"business_unit": unit.pk} if unit else {}
        version_unit = {"unit": unit.code} if unit else {}
        series = [
            (name, [counts.get((q, step), 0) for q in labels], colour, [drill(base, s, step, **p) for s in starts])
            for name, counts, step, colour, base, p in [
                ("use cases proposed", cases, "proposed", "#8fa3bf", cases_url, case_unit),
                ("use cases approved", cases, "approved", "#5a79aa", cases_url, case_unit),
                ("use cases live", cases, "live", "#2e8b57", cases_url, case_unit),
                ("versions to production", versions, "production", "#1d6b37", versions_url, version_unit),
                ("versions retired", versions, "retired", "#9b1c1c", versions_url, version_unit),
            ]
        ]
        return labels, series

    def moves_table(self):
        labels, series = self.moves()
        return ["quarter", *(name for name, *_ in series)], [
            [q, *(values[i] for _, values, *_ in series)] for i, q in enumerate(labels)
        ]

    def costs(self):
        """Monthly spend by unit, the forecast and the budget of the scope (a unit's, or all units')."""

        def compute():
            user, unit = self.request.user, self.scope["unit"]
            code = unit.code if unit else None
            months = max(6, self.scope["months"])
            scope = code or cost.TOTAL
            history, forecasts = cost.spend_and_forecast(user=user, unit=code, months=months)
            return {
                "scope": scope,
                "history": history,
                "forecast": next((f for f in forecasts if f["unit"] == scope), None),
                "budgets": cost.budget_lines(user=user, unit=code, months=months),
                "over_budget": cost.models_over_budget(user=user, unit=code)[:6],
            }

        return self.panels.get("cost", compute)

    def cost_table(self):
        data = self.costs()
        budgets = {(b["month"], b["unit"]): b["budget"] for b in data["budgets"]}
        rows = [["actual", r["month"], r["unit"], r["cost"], budgets.get((r["month"], r["unit"]), ""), "", ""]
                for r in data["history"]]  # fmt: skip
        for point in (data["forecast"] or {}).get("forecast", []):
            rows.append(["forecast", point["month"], data["scope"], point["cost"], "", point["low"], point["high"]])
        return ["kind", "month", "unit", "cost_usd", "budget_usd", "low", "high"], rows

    def compliance(self):
        return self.panels.get(
            "compliance",
            lambda: compliance.compliance_coverage_by_framework(user=self.request.user, unit=self.scope["unit"]),
        )

    def compliance_table(self):
        return ["framework", "use_cases", "required", "covered", "percent"], [
            [r.framework.name, r.use_cases, r.required, r.covered, r.percent] for r in self.compliance()
        ]

    def status_counts(self) -> dict:
        cases = portfolio.use_case_list(user=self.request.user)
        if self.scope["unit"] is not None:
            cases = cases.filter(business_unit=self.scope["unit"])
        return dict(cases.order_by().values_list("status").annotate(n=Count("pk")))

    def critical_alerts(self):
        alerts = monitoring.open_critical_alerts(user=self.request.user, unit=self.scope["unit"])
        return alerts.count(), list(alerts[:8])

    def funnel_steps(self, by_status: dict, in_production: int):
        unit = self.scope["unit"]
        base = reverse("portfolio:usecase_list")
        unit_q = f"&business_unit={unit.pk}" if unit else ""
        steps = []
        for label, statuses in FUNNEL:
            n = sum(by_status.get(s, 0) for s in statuses)
            steps.append((label, n, base + "?" + "&".join(f"status={s}" for s in statuses) + unit_q))
        models_url = reverse("lifecycle:model_list") + "?stage=production" + (f"&unit={unit.code}" if unit else "")
        steps.append(("Production models", in_production, models_url))
        return steps

    def get_context_data(self, **kwargs):
        user, scope, today = self.request.user, self.scope, timezone.localdate()
        kpis = self.kpi_rows()
        verdicts = Counter(r.verdict for r in kpis)
        by_objective, by_unit = self.value_rows()
        counts = self.risk_counts()
        unit_code = scope["unit"].code if scope["unit"] else ""

        def cell_url(tier, stage):
            params = {"tier": tier, "stage": stage, **({"unit": unit_code} if unit_code else {})}
            return reverse("lifecycle:model_list") + "?" + urlencode(params)

        by_status = self.panels.get("status", self.status_counts)
        cases_url = reverse("portfolio:usecase_list")
        in_production = sum(n for (_, stage), n in counts.items() if stage == Stage.PRODUCTION)
        quarter_labels, series = self.moves()
        critical_count, critical = self.panels.get("critical", self.critical_alerts)
        expired = self.panels.get(
            "expired", lambda: governance.expired_approvals(user=user, today=today, unit=scope["unit"])
        )
        return super().get_context_data(
            kpis=kpis,
            verdicts=verdicts,
            kpi_figure=charts.kpi_progress(kpis, lambda r: reverse("portfolio:kpi_detail", args=[r.kpi.pk]))
            if kpis
            else None,
            by_objective=by_objective,
            value_objective_figure=portfolio_charts.projected_vs_realised(
                by_objective, url_for=lambda r: f"{cases_url}?objective={r['objective'].pk}{LIVE_STATUSES}"
            )
            if by_objective
            else None,
            by_unit=by_unit,
            value_unit_figure=charts.value_by_unit(
                by_unit, url_for=lambda r: f"{cases_url}?business_unit={r['business_unit_id']}{LIVE_STATUSES}"
            )
            if by_unit
            else None,
            heatmap=charts.risk_heatmap(tiers=list(RiskTier), stages=HEATMAP_STAGES, counts=counts, url_for=cell_url),
            heat_rows=[
                (t, [(s, counts.get((t.value, s.value), 0), cell_url(t.value, s.value)) for s in HEATMAP_STAGES])
                for t in RiskTier
            ],  # fmt: skip
            heat_stages=HEATMAP_STAGES,
            critical_count=critical_count,
            critical=critical,
            expired=expired[:8],
            expired_count=len(expired),
            in_production=in_production,
            funnel_figure=charts.funnel(steps=self.funnel_steps(by_status, in_production)),
            **self.cost_context(),
            **self.health_and_compliance_context(),
            moves_figure=charts.quarterly_moves(quarters=quarter_labels, series=series),
            **kwargs,
        )

    def cost_context(self) -> dict:
        data = self.costs()
        figure = (
            monitoring_charts.cost_chart(
                history=data["history"],
                forecast=data["forecast"],
                budgets=data["budgets"],
                scope=data["scope"],
                unit_url=lambda code: f"{reverse('monitoring:cost')}?unit={code}",
            )
            if data["history"]
            else None
        )
        return {"cost": data, "cost_figure": figure}

    def health_and_compliance_context(self) -> dict:
        unit = self.scope["unit"]
        shares = self.panels.get("health", lambda: monitoring.health_shares(user=self.request.user, unit=unit))
        health_url = reverse("monitoring:health_list")

        def health_link(status):
            return f"{health_url}?status={status}" + (f"&unit={unit.code}" if unit else "")

        coverage = self.compliance()
        return {
            "health": shares,
            "health_figure": charts.health_donut(shares, url_for=health_link) if shares["total"] else None,
            "health_link": health_link,
            "coverage": coverage,
            "coverage_figure": charts.compliance_coverage(
                coverage, url_for=lambda r: reverse("compliance:framework_detail", args=[r.framework.pk])
            )
            if any(r.required for r in coverage)
            else None,
        }


class ExecutivePrint(ExecutiveDashboard):
    """The board pack: the executive figures on one A4 page, small and static, no navigation."""

    template_name = "dashboards/executive_print.html"
    figures = ("value_objective_figure", "value_unit_figure", "heatmap", "cost_figure", "health_figure")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for key in (*self.figures, "coverage_figure"):
            if context.get(key):
                context[key] = on_paper(context[key])
        # Several alerts may be open on one version: the board reads each version once.
        context["critical_versions"] = list(dict.fromkeys(str(a.model_version) for a in context["critical"]))
        return context


def _short_categories(trace: dict, *, limit: int = 16) -> dict:
    """Long category names (objective titles) cut short on paper, where they would crowd the plot out."""
    names = trace.get("x")
    if trace.get("type") != "bar" or not names or not all(isinstance(n, str) for n in names):
        return trace
    return {**trace, "x": [n if len(n) <= limit else n[: limit - 1].rstrip() + "…" for n in names]}


def on_paper(figure: dict, *, height: int = 170) -> dict:
    """A dashboard figure sized for a sixth of an A4 page: small type, thin margins, the legend below, no
    toolbar, nothing to hover or click."""
    layout = figure.get("layout", {})
    legend = {**layout.get("legend", {}), "orientation": "h", "font": {"size": 8}}
    legend.update(x=1, xanchor="right", y=1.0, yanchor="bottom", bgcolor="rgba(0,0,0,0)", entrywidth=58)
    axes = {
        axis: {**layout[axis], "automargin": True, "tickfont": {"size": 7}, "title": None, "nticks": 8}
        for axis in ("xaxis", "yaxis")
        if axis in layout
    }
    return {
        **figure,
        "data": [_short_categories(trace) for trace in figure.get("data", [])],
        "layout": {
            **layout,
            "height": height,
            **axes,
            "margin": {"l": 30, "r": 8, "t": 22, "b": 20, "pad": 0},
            "font": {**layout.get("font", {}), "size": 8},
            "legend": legend,
            "title": None,
        },
        "config": {"staticPlot": True, "displayModeBar": False},
    }


class ProgramDashboard(DashboardView):
    """What should we do next: the ranked backlog under live weights, the plan and its conflicts, what
    lacks an assessment, what under-delivers, and the agenda of the next portfolio review."""

    permission_required = "dashboards.view_program"
    template_name = "dashboards/program.html"
    heading = "Program management"
    exports = {"backlog": "backlog_table", "benefits": "benefits_table", "unassessed": "unassessed_table"}
    backlog_size = 10

    def backlog(self):
        scope, user = self.scope, self.request.user
        try:
            overrides = weight_overrides(self.request.GET)
        except ApplicationError:
            overrides = {}  # the ranking page explains a bad weight; here the saved weights stand
        cases = portfolio.use_case_list(user=user)
        if scope["unit"] is not None:
            cases = cases.filter(business_unit=scope["unit"])
        if scope["objective"] is not None:
            cases = cases.filter(objective_links__objective=scope["objective"]).distinct()
        return ranking(queryset=cases, overrides=overrides), criteria_with_weights(overrides)

    def backlog_table(self):
        rows, _ = self.backlog()
        return ["rank", "code", "title", "business_unit", "status", "score", "estimated_value", "estimated_cost"], [
            [r.rank, r.code, r.title, r.business_unit, r.status_label, r.score, r.estimated_value, r.estimated_cost]
            for r in rows
        ]

    def benefits(self):
        return portfolio.benefits_by_use_case(user=self.request.user, unit=self.scope["unit"])

    def benefits_table(self):
        return ["code", "title", "status", "projected", "realised", "reviewed_on"], [
            [c.code, c.title, c.get_status_display(), c.estimated_value, c.realised, c.reviewed_on]
            for c in self.benefits()
        ]

    def unassessed(self):
        return portfolio.use_cases_missing_assessment(user=self.request.user, unit=self.scope["unit"])

    def unassessed_table(self):
        return ["code", "title", "business_unit", "status", "proposed_on"], [
            [c.code, c.title, c.business_unit.code, c.get_status_display(), c.created_at.date()]
            for c in self.unassessed()
        ]

    def agenda(self, *, today, benefits, kpis):
        """The next portfolio review's agenda: what needs a decision there."""
        user, unit = self.request.user, self.scope["unit"]
        review = portfolio.next_portfolio_review(today=today)
        held_on = review.held_on if review else quarter_start(today + timedelta(days=92))
        under = [
            c for c in benefits
            if c.realised is not None and c.realised < c.estimated_value * portfolio.UNDER_DELIVERY_SHARE
        ]  # fmt: skip
        return {
            "review": review,
            "held_on": held_on,
            "decisions": list(portfolio.awaiting_decision(user=user, unit=unit)[:10]),
            "stop_losses": list(portfolio.stop_loss_breaches(user=user, unit=unit)[:10]),
            "off_track": [r for r in kpis if r.verdict == "off_track"],
            "under_delivering": under[:10],
            "assumptions": list(portfolio.assumptions_due(user=user, within_days=(held_on - today).days)[:10]),
        }

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        rows, weighted = self.panels.get("backlog", self.backlog)
        conflicts = self.panels.get("conflicts", lambda: plan_conflicts(use_cases=portfolio.use_case_list(user=user)))
        conflicted = {pk for c in conflicts for pk in c.use_case_ids}
        benefits = self.panels.get("benefits", lambda: list(self.benefits()[:50]))
        kpis = self.panels.get("kpis", self.kpi_alignment)
        unassessed_count, unassessed = self.panels.get(
            "unassessed", lambda: (self.unassessed().count(), list(self.unassessed()[:10]))
        )
        return super().get_context_data(
            backlog=rows[: self.backlog_size],
            backlog_count=len(rows),
            weighted=weighted,
            value_effort=portfolio_charts.value_effort(rows[:40]) if rows else None,
            gantt=portfolio_charts.roadmap_gantt(
                portfolio.roadmap_items(user=user), list(portfolio.waves()), conflicted
            ),
            conflicts=conflicts,
            unassessed=unassessed,
            unassessed_count=unassessed_count,
            benefits=benefits[:10],
            agenda=self.agenda(today=today, benefits=benefits, kpis=kpis),
            budget=portfolio.budget_split(user=user),
            by_status=portfolio.use_case_counts_by_status(user=user),
            **kwargs,
        )


class ReviewBoardDashboard(DashboardView):
    permission_required = "dashboards.view_review_board"
    template_name = "dashboards/review_board.html"
    heading = "Review board"
    exports = {"queue": "queue_table"}

    def queue(self):
        rows = governance.review_queue_rows(user=self.request.user)
        unit = self.scope["unit"]
        return [r for r in rows if unit is None or r.review.version.model.use_case.business_unit_id == unit.pk]

    def queue_table(self):
        return ["review", "version", "tier", "waiting_for_you_as", "still_missing", "age_days", "overdue"], [
            [
                r.review.pk,
                str(r.review.version),
                r.review.policy.get_tier_display(),
                ", ".join(r.waiting),
                ", ".join(r.missing),
                r.age_days,
                r.overdue,
            ]  # fmt: skip
            for r in self.queue()
        ]

    def get_context_data(self, **kwargs):
        user, today, unit = self.request.user, timezone.localdate(), self.scope["unit"]
        since = quarter_start(today)
        soon = today + timedelta(days=30)
        reviews = list(governance.open_reviews(user=user, unit=unit)[:30])
        return super().get_context_data(
            functions=sign_off_functions_held(user=user),
            queue=self.queue()[:15],
            turnaround=governance.TURNAROUND_DAYS,
            ageing=charts.review_ageing(
                reviews=reviews,
                now=timezone.now(),
                turnaround=governance.TURNAROUND_DAYS,
                url_for=lambda r: reverse("governance:review_detail", args=[r.pk]),
            )
            if reviews
            else None,
            decisions=governance.decisions_since(
                user=user, since=timezone.make_aware(datetime.combine(since, time.min))
            ),
            quarter_start=since,
            expiring=list(calendar_sources.approval_expiries(user=user, start=today, end=soon, unit=unit)),
            reassessments=list(
                calendar_sources.reassessments_due(user=user, start=today - timedelta(days=365), end=soon, unit=unit)
            ),
            exceptions=governance.live_exceptions(user=user),
            evidence_expiring=list(compliance.evidence_expiring_soon(user=user, today=today, unit=unit)[:10]),
            concerns=governance.open_concerns_by_severity(user=user),
            pirs=list(
                governance.open_post_implementation_reviews(user=user).filter(
                    **({"release__version__model__use_case__business_unit": unit} if unit else {})
                )[:10]
            ),
            evidence_waiting=compliance.evidence_list(user=user).filter(status="submitted").count()
            if user.has_perm("compliance.review_evidence")
            else None,
            **kwargs,
        )


class DataScienceDashboard(DashboardView):
    permission_required = "dashboards.view_data_science"
    template_name = "dashboards/data_science.html"
    heading = "Data science"
    exports = {"models": "models_table", "alerts": "alerts_table"}

    def my_models(self):
        models = lifecycle.owned_models_by_stage(user=self.request.user)
        unit = self.scope["unit"]
        return models if unit is None else models.filter(use_case__business_unit=unit)

    def models_table(self):
        stages = ["in_validation", "pending_approval", "approved", "staging", "production"]
        return ["model", "use_case", *stages, "all_versions"], [
            [m.name, m.use_case.code, *(getattr(m, f"n_{s}") for s in stages), m.n_versions] for m in self.my_models()
        ]

    def my_alerts(self):
        alerts = monitoring.my_open_alerts(user=self.request.user)
        unit = self.scope["unit"]
        return alerts if unit is None else alerts.filter(model_version__model__use_case__business_unit=unit)

    def my_retraining(self):
        requests = monitoring.retraining_request_list(user=self.request.user).filter(
            model__owners=self.request.user, status__in=["open", "in_progress"]
        )
        unit = self.scope["unit"]
        return requests if unit is None else requests.filter(model__use_case__business_unit=unit)

    def my_health(self):
        """Health of my production versions, worst first."""
        unit = self.scope["unit"]
        return monitoring.health_list(user=self.request.user, mine=True, unit=unit.code if unit else "")

    def alerts_table(self):
        return ["alert", "version", "severity", "status", "message", "opened"], [
            [a.pk, str(a.model_version), a.severity, a.status, a.message, a.created_at] for a in self.my_alerts()
        ]

    def get_context_data(self, **kwargs):
        user, unit = self.request.user, self.scope["unit"]
        trends = monitoring.production_trends(user=user, metric_name="psi")
        performance = monitoring.production_trends(user=user, metric_name="auc")
        blocked = [
            b
            for b in lifecycle.blocked_versions(user=user)
            if unit is None or b.version.model.use_case.business_unit_id == unit.pk
        ]
        my_models = list(self.my_models())
        feedback = monitoring_feedback.feedback_summary(user=user, model_ids=[m.pk for m in my_models])
        for model in my_models:
            model.feedback = feedback.get(model.pk)
        return super().get_context_data(
            my_models=my_models,
            models_figure=charts.models_by_stage(
                my_models, url_for=lambda m: reverse("lifecycle:model_detail", args=[m.pk])
            )
            if my_models
            else None,
            blocked=blocked,
            my_alerts=self.my_alerts()[:15],
            drift_figure=monitoring_charts.comparison_chart(trends) if trends else None,
            performance_figure=monitoring_charts.comparison_chart(performance) if performance else None,
            unit_use_cases=portfolio.use_case_list(user=user).filter(business_unit__memberships__user=user)[:10],
            retraining=self.my_retraining()[:10],
            my_health=self.my_health()[:10],
            **kwargs,
        )


class AdministrationDashboard(DashboardView):
    permission_required = "dashboards.view_administration"
    template_name = "dashboards/administration.html"
    heading = "Platform administration"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            user_count=User.objects.filter(is_active=True).count(),
            roles=Group.objects.annotate(members=Count("user")).order_by("name"),
            recent_events=audit_event_list(user=self.request.user)[:10],
            mlflow=server_status(),
            **kwargs,
        )
