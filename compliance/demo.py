"""Demo compliance: evidence for the assessed use cases, reviewed by the compliance signer (a few gaps),
and an external audit with findings and follow-ups, seeded through the services after the lifecycle demo."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from compliance import services
from compliance.models import Control, Evidence, ExternalAudit, Framework
from governance.demo import open_to

# A well-run portfolio: every assessed use case has evidence for the controls its tier needs, except a few
# believable gaps (by position among the assessed use cases: the newest ones still owe some).
GAPS = {
    2: ("CTL-10",),  # the human-oversight drill is scheduled, not yet held
    5: ("CTL-06", "CTL-10"),
    7: ("CTL-08",),
}
# Controls whose evidence is tied to the version it was produced for, and those given as a link.
VERSION_BOUND, LINKED = ("CTL-04", "CTL-05"), ("CTL-04", "CTL-07")


@transaction.atomic
def seed_compliance() -> None:
    """After the lifecycle demo: evidence for what each assessed use case's tier needs, reviewed by the
    compliance signer, with a few gaps (GAPS), one item expired, one rejected, one waiting for review."""
    from portfolio.models import UseCase

    if Evidence.objects.exists():
        return
    pm, reviewer = User.objects.get(username="pm"), User.objects.get(username="rb2")
    controls = {c.code: c for c in Control.objects.order_by("code")}
    use_cases = UseCase.objects.filter(risk_tier__in=["low", "medium", "high", "critical"]).order_by(
        "confidential", "number"
    )
    first = use_cases.exclude(risk_tier="low").first()  # CTL-09 applies from medium up; its story is below
    for position, use_case in enumerate(use_cases):
        open_to(reviewer, use_case)
        model = use_case.models.order_by("pk").first()
        version = model.versions.order_by("-pk").first() if model else None
        for record in (model, version):
            if record is not None:
                open_to(reviewer, record)
                open_to(pm, record)
        for code, control in controls.items():
            if not getattr(control, f"applies_{use_case.risk_tier}") or code in GAPS.get(position, ()):
                continue
            if use_case == first and code == "CTL-09":
                continue
            if code in VERSION_BOUND and version is None:
                continue
            evidence = services.evidence_submit(
                actor=pm,
                control=control,
                use_case=use_case,
                version=version if code in VERSION_BOUND else None,
                kind="link" if code in LINKED else "text",
                url=f"https://wiki.lodestar.example/{use_case.code}/{code}",
                text=f"{control.title}: in place for {use_case.code}, see the team's runbook.",
            )
            services.evidence_review(actor=reviewer, evidence=evidence, decision="accept", comment="Checked.")
    if first is None:
        return
    # One accepted item whose date has passed: the demo moves its expiry back (time cannot pass in a seed).
    lapsed = Evidence.objects.filter(use_case=first, status="accepted", version__isnull=True).order_by("-pk").first()
    if lapsed:
        Evidence.objects.filter(pk=lapsed.pk).update(expires_on=timezone.localdate() - timedelta(days=3))
    rejected = services.evidence_submit(
        actor=pm, control=controls["CTL-09"], use_case=first, kind="text", text="Alerts exist."
    )
    services.evidence_review(
        actor=reviewer, evidence=rejected, decision="reject", comment="No owner or runbook named; add both."
    )
    services.evidence_submit(
        actor=pm,
        control=controls["CTL-09"],
        use_case=first,
        kind="link",
        url=f"https://wiki.lodestar.example/{first.code}/runbook",
        description="Runbook with on-call owners",
    )


def seed_external_audits() -> None:
    """An external audit that has reported three findings with their follow-ups, one of them overdue."""
    from portfolio.models import UseCase

    if ExternalAudit.objects.exists():
        return
    ds, rb, compliance = (User.objects.get(username=name) for name in ("ds", "rb", "rb2"))
    today = timezone.localdate()
    audit_ = services.external_audit_create(
        actor=compliance,
        auditor="Meridian Assurance LLP",
        lead_auditor="Hana Ito",
        scope="Model risk management and EU AI Act readiness of the credit and fraud models: inventory, "
        "validation, human oversight, logging.",
        start_date=today - timedelta(days=70),
        end_date=today - timedelta(days=40),
        frameworks=list(Framework.objects.filter(code="eu-ai-act")),
        use_cases=list(UseCase.objects.filter(confidential=False, status="live").order_by("number")[:2]),
    )
    services.external_audit_transition(actor=compliance, external_audit=audit_, to="fieldwork")
    services.external_audit_update(
        actor=compliance, external_audit=audit_, report_link="https://dms.lodestar.example/audits/meridian-report.pdf"
    )
    services.external_audit_transition(actor=compliance, external_audit=audit_, to="reported")
    findings = [
        services.audit_finding_add(
            actor=compliance,
            external_audit=audit_,
            reference=reference,
            severity=severity,
            description=description,
            owner=owner,
            due_date=today + timedelta(days=days),
        )
        for reference, severity, description, owner, days in (
            ("MA-01", "high", "Two production models have no documented challenger or benchmark.", ds, 30),
            ("MA-02", "medium", "Human override rates are not reviewed for the fraud model.", rb, 45),
            ("MA-03", "low", "Model cards do not state the date of the training data extract.", ds, 60),
        )
    ]
    done = services.follow_up_add(
        actor=compliance,
        finding=findings[2],
        description="Add the extract date to every model card template.",
        owner=ds,
        due_date=today - timedelta(days=5),
    )
    services.follow_up_complete(actor=ds, follow_up=done, note="Template updated; all live cards filled in.")
    services.follow_up_add(
        actor=compliance,
        finding=findings[0],
        description="Benchmark each production model against a simple challenger and file the results.",
        owner=ds,
        due_date=today - timedelta(days=3),  # overdue: the audit stays open until it is done
    )
    services.follow_up_add(
        actor=compliance,
        finding=findings[1],
        description="Monthly report of analyst overrides to the model owner and the risk function.",
        owner=rb,
        due_date=today + timedelta(days=25),
    )
