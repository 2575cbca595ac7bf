"""Compliance reads that pages and the API share: frameworks, controls, evidence, coverage, external audits."""

from dataclasses import dataclass


def framework_list(*, user):
    """Every framework (reference data, readable by every signed-in user) with its live requirement count."""
    from django.db.models import Count, Q

    from compliance.models import Framework

    return Framework.objects.restrict(user, "view").annotate(
        requirement_count=Count("requirements", filter=Q(requirements__withdrawn=False))
    )


def framework_get(*, user, pk: int):
    """A framework with its requirements (live first) and the controls mapped to each."""
    from django.db.models import Prefetch
    from django.shortcuts import get_object_or_404

    from compliance.models import Control, Framework, Requirement

    return get_object_or_404(
        Framework.objects.restrict(user, "view").prefetch_related(
            Prefetch(
                "requirements",
                queryset=Requirement.objects.order_by("withdrawn", "pk").prefetch_related(
                    Prefetch("controls", queryset=Control.objects.order_by("code"))
                ),
            )
        ),
        pk=pk,
    )


def control_list(*, user):
    """Internal controls with the requirements (and frameworks) each one maps to."""
    from django.db.models import Prefetch

    from compliance.models import Control, ControlRequirement

    return Control.objects.restrict(user, "view").prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=ControlRequirement.objects.select_related("requirement__framework").order_by(
                "requirement__framework__name", "requirement__pk"
            ),
        )
    )


def evidence_list(*, user):
    """Evidence the user may see: that of the use cases (and versions) they see."""
    from compliance.models import Evidence

    return Evidence.objects.restrict(user, "view").select_related(
        "control", "use_case", "version__model", "submitted_by", "reviewer"
    )


def _applies(tier: str):
    """Controls required of a use case of this tier (none for a use case not assessed yet)."""
    from django.db.models import Q

    from governance.choices import Tier

    return Q(**{f"applies_{tier}": True}) if tier in Tier.values else Q(pk__in=[])


@dataclass(frozen=True)
class ControlState:
    control: object
    evidence: list  # the use case's visible evidence for this control, newest first
    valid: bool


@dataclass(frozen=True)
class Coverage:
    """Controls with valid evidence against controls required, for one use case and one framework."""

    framework: object
    controls: list[ControlState]

    @property
    def required(self) -> int:
        return len(self.controls)

    @property
    def covered(self) -> int:
        return sum(1 for state in self.controls if state.valid)

    @property
    def missing(self) -> list:
        return [state.control for state in self.controls if not state.valid]

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.required) if self.required else None


def use_case_coverage(*, user, use_case, framework=None, today=None) -> list[Coverage]:
    """Per framework (or for one): the controls the use case's tier requires and mapped to the framework,
    which have valid evidence (accepted, not expired, not stale) and which are missing. Constant queries."""
    from django.db.models import Prefetch
    from django.utils import timezone

    from compliance.models import Control, ControlRequirement, Framework

    today = today or timezone.localdate()
    frameworks = [framework] if framework is not None else list(Framework.objects.order_by("name"))
    controls = list(
        Control.objects.filter(_applies(use_case.risk_tier)).prefetch_related(
            Prefetch(
                "requirement_links",
                queryset=ControlRequirement.objects.filter(requirement__withdrawn=False).select_related("requirement"),
            )
        )
    )
    evidence: dict[int, list] = {}
    for item in evidence_list(user=user).filter(use_case=use_case).order_by("-created_at", "-pk"):
        evidence.setdefault(item.control_id, []).append(item)
    result = []
    for fw in frameworks:
        states = [
            ControlState(
                control=control,
                evidence=evidence.get(control.pk, []),
                valid=any(e.is_valid_on(today) for e in evidence.get(control.pk, [])),
            )
            for control in controls
            if any(link.requirement.framework_id == fw.pk for link in control.requirement_links.all())
        ]
        result.append(Coverage(framework=fw, controls=states))
    return result


@dataclass(frozen=True)
class FrameworkCoverage:
    """Coverage of one framework summed over the use cases a user sees."""

    framework: object
    use_cases: int  # assessed use cases that need at least one control of the framework
    required: int  # (use case, control) pairs required
    covered: int  # of which with valid evidence

    @property
    def missing(self) -> int:
        return self.required - self.covered

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.required) if self.required else None


def compliance_coverage_by_framework(*, user, today=None, unit=None) -> list[FrameworkCoverage]:
    """For each framework, over the use cases the user sees: controls required (by each use case's tier)
    against controls with valid evidence. Aggregated in the database: a constant number of queries."""
    from functools import reduce
    from operator import or_

    from django.db.models import CharField, Count, F, Q, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from compliance.models import Evidence, Framework
    from governance.choices import Tier
    from portfolio.models import UseCase

    today = today or timezone.localdate()
    use_cases = UseCase.objects.restrict(user, "view")
    if unit is not None:
        use_cases = use_cases.filter(business_unit=unit)
    per_tier = dict(
        use_cases.filter(risk_tier__in=Tier.values)
        .values("risk_tier")
        .annotate(n=Count("pk"))
        .values_list("risk_tier", "n")
    )
    frameworks = Framework.objects.order_by("name").annotate(
        **{
            f"needs_{tier}": Count(
                "requirements__control_links__control",
                distinct=True,
                filter=Q(
                    requirements__withdrawn=False, **{f"requirements__control_links__control__applies_{tier}": True}
                ),
            )
            for tier in Tier.values
        }
    )
    tier_match = reduce(
        or_, (Q(use_case__risk_tier=tier, **{f"control__applies_{tier}": True}) for tier in Tier.values)
    )
    covered = dict(
        Evidence.objects.restrict(user, "view")
        .valid(today)
        .filter(tier_match, use_case__in=use_cases.values("pk"))
        .filter(control__requirement_links__requirement__withdrawn=False)
        .values(framework_id=F("control__requirement_links__requirement__framework"))
        .annotate(
            n=Count(
                Concat(
                    Cast("use_case_id", CharField()),
                    Value(":"),
                    Cast("control_id", CharField()),
                    output_field=CharField(),
                ),
                distinct=True,
            )
        )
        .values_list("framework_id", "n")
    )
    return [
        FrameworkCoverage(
            framework=fw,
            use_cases=sum(n for tier, n in per_tier.items() if getattr(fw, f"needs_{tier}")),
            required=sum(n * getattr(fw, f"needs_{tier}") for tier, n in per_tier.items()),
            covered=covered.get(fw.pk, 0),
        )
        for fw in frameworks
    ]


def evidence_expiring_soon(*, user, today, within_days: int = 30, unit=None):
    """Valid evidence the user may see whose expiry falls in the coming days, soonest first."""
    from datetime import timedelta

    evidence = evidence_list(user=user)
    if unit is not None:
        evidence = evidence.filter(use_case__business_unit=unit)
    return evidence.valid(today).filter(expires_on__lte=today + timedelta(days=within_days)).order_by("expires_on")


def external_audit_list(*, user):
    """External audits with their frameworks, the use cases in scope that the user may see, and counts of
    findings and open follow-ups, in three queries whatever the number of audits."""
    from django.db.models import Count, Prefetch, Q

    from compliance.models import ExternalAudit
    from portfolio.models import UseCase

    return (
        ExternalAudit.objects.restrict(user, "view")
        .select_related("created_by", "closed_by")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_follow_up_count=Count(
                "findings__follow_ups", filter=Q(findings__follow_ups__status="open"), distinct=True
            ),
        )
        .order_by("-start_date", "-pk")  # an aggregate query drops Meta.ordering
        .prefetch_related(
            "frameworks",
            Prefetch(
                "use_cases",
                queryset=UseCase.objects.restrict(user, "view").select_related("business_unit"),
                to_attr="visible_use_cases",
            ),
        )
    )


def external_audit_get(*, user, pk: int):
    """One audit with its findings and each finding's follow-ups, or DoesNotExist."""
    from django.db.models import Prefetch

    from compliance.models import AuditFinding, FollowUp

    findings = AuditFinding.objects.select_related("owner", "risk_accepted_by").prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner", "completed_by"))
    )
    return external_audit_list(user=user).prefetch_related(Prefetch("findings", queryset=findings)).get(pk=pk)


def audit_finding_list(*, user):
    from compliance.models import AuditFinding

    return AuditFinding.objects.restrict(user, "view").select_related("audit", "owner", "risk_accepted_by")


def follow_up_list(*, user):
    from compliance.models import FollowUp

    return FollowUp.objects.restrict(user, "view").select_related("finding__audit", "owner", "completed_by")


def follow_ups_overdue(*, user, today=None):
    """Open follow-ups past their due date on audits that are not closed, the most overdue first."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return (
        follow_up_list(user=user)
        .filter(status="open", due_date__lt=today)
        .exclude(finding__audit__status="closed")
        .order_by("due_date", "pk")
    )
