"""Compliance: evidence submitted, reviewed, expiring and going stale; coverage against a hand count."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from compliance import selectors, services
from compliance.models import Control, Evidence, Framework
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import services as lifecycle
from notifications.models import Notification
from portfolio import services as portfolio
from portfolio.models import UseCase
from tests.governance.helpers import person

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _use_case(actor, unit, title, tier, *, confidential=False):
    use_case = portfolio.use_case_create(actor=actor, title=title, business_unit=unit, confidential=confidential)
    UseCase.objects.filter(pk=use_case.pk).update(risk_tier=tier)  # the assessment path is tested elsewhere
    use_case.refresh_from_db()
    return use_case


@pytest.fixture
def people(units):
    return {
        "pm": person("pm", "program_manager", units=(units["RETAIL"], units["CORP"])),
        "ds": person("ds", "data_scientist", units=(units["RETAIL"],)),
        "corp_ds": person("corp-ds", "data_scientist", units=(units["CORP"],)),
        "reviewer": person("compliance-reviewer", "review_board"),
        "signer": person("compliance-signer", "sign_off_compliance"),
        "exec": person("exec", "executive"),
    }


def submit(actor, use_case, code, *, version=None, kind="text", **content):
    content = content or {"text": f"{code} is in place."}
    return services.evidence_submit(
        actor=actor, control=Control.objects.get(code=code), use_case=use_case, version=version, kind=kind, **content
    )


def accept(reviewer, evidence):
    return services.evidence_review(actor=reviewer, evidence=evidence, decision="accept")


# --- Submitting and reviewing ----------------------------------------------------------------------------


def test_submission_and_acceptance_are_audited_and_default_to_a_year(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "high")
    evidence = submit(people["ds"], use_case, "CTL-01")
    assert evidence.status == "submitted"
    accepted = accept(people["reviewer"], evidence)
    assert accepted.status == "accepted" and accepted.reviewer == people["reviewer"]
    assert accepted.expires_on == timezone.localdate() + timedelta(days=365)
    actions = set(AuditEvent.objects.filter(target_id=str(evidence.pk)).values_list("action", flat=True))
    assert {"evidence.submitted", "evidence.accepted"} <= actions


def test_only_compliance_reviewers_decide_never_on_their_own_evidence_and_once(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "high")
    evidence = submit(people["ds"], use_case, "CTL-01")
    with pytest.raises(NotAllowed):
        services.evidence_review(actor=people["ds"], evidence=evidence, decision="accept")
    with pytest.raises(ApplicationError, match="comment"):
        services.evidence_review(actor=people["signer"], evidence=evidence, decision="reject")
    services.evidence_review(actor=people["signer"], evidence=evidence, decision="reject", comment="Unsigned copy.")
    with pytest.raises(Conflict):
        accept(people["reviewer"], evidence)
    assert Notification.objects.filter(recipient=people["ds"], subject__contains="rejected").exists()
    own = submit(people["pm"], use_case, "CTL-05")
    reviewer_pm = person("pm-reviewer", "program_manager", "review_board", units=(units["RETAIL"],))
    mine = submit(reviewer_pm, use_case, "CTL-05")
    with pytest.raises(NotAllowed, match="another reviewer"):
        accept(reviewer_pm, mine)
    assert accept(people["reviewer"], own).status == "accepted"


def test_submitting_needs_to_see_the_use_case_and_belong_to_its_unit(units, people):
    hidden = _use_case(people["pm"], units["CORP"], "Hidden", "high", confidential=True)
    open_other = _use_case(people["pm"], units["CORP"], "Open elsewhere", "high")
    for use_case in (hidden, open_other):
        with pytest.raises(NotAllowed):
            submit(people["ds"], use_case, "CTL-01")
    assert submit(people["corp_ds"], open_other, "CTL-01").use_case == open_other
    assert not Evidence.objects.filter(use_case=hidden).exists()


def test_a_version_of_another_use_case_is_refused(units, people):
    first = _use_case(people["pm"], units["RETAIL"], "First", "high")
    second = _use_case(people["pm"], units["RETAIL"], "Second", "high")
    model = lifecycle.model_register(actor=people["ds"], name="other-model", use_case=second)
    version = lifecycle.model_version_register(actor=people["ds"], model=model, version="1")
    with pytest.raises(ApplicationError, match="version"):
        submit(people["ds"], first, "CTL-01", version=version)


# --- Upload limits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.html", b"<script>alert(1)</script>", "not accepted"),
        ("report.exe", b"MZ", "not accepted"),
        ("report", b"plain", "not accepted"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not a .pdf"),
        ("report.png", PDF, "not a .png"),
        ("notes.txt", b"\xff\xfe\x00bad", "UTF-8"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_uploads_outside_the_allowlist_are_refused(units, people, name, content, message):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "high")
    with pytest.raises(ApplicationError, match=message):
        submit(people["ds"], use_case, "CTL-02", kind="file", file=SimpleUploadedFile(name, content))
    assert not Evidence.objects.exists()


def test_an_upload_over_ten_megabytes_is_refused(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "high")
    big = SimpleUploadedFile("big.csv", b"a," * (5 * 1024 * 1024 + 1))
    with pytest.raises(ApplicationError, match="larger than 10 MB"):
        submit(people["ds"], use_case, "CTL-02", kind="file", file=big)


def test_an_accepted_file_keeps_a_safe_name_and_its_hash(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "high")
    evidence = submit(
        people["ds"], use_case, "CTL-02", kind="file", file=SimpleUploadedFile("../../DPIA signed.pdf", PDF)
    )
    assert evidence.filename == "DPIA_signed.pdf"
    assert evidence.size == len(PDF)
    assert len(evidence.sha256) == 64
    assert evidence.file.read() == PDF


# --- Expiry and staleness ----------------------------------------------------------------------------------


def test_expired_evidence_no_longer_counts(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "low")
    evidence = accept(people["reviewer"], submit(people["ds"], use_case, "CTL-01"))
    eu = Framework.objects.get(code="eu-ai-act")
    [coverage] = selectors.use_case_coverage(user=people["ds"], use_case=use_case, framework=eu)
    assert (coverage.covered, coverage.required) == (1, 2)
    later = evidence.expires_on + timedelta(days=1)
    [coverage] = selectors.use_case_coverage(user=people["ds"], use_case=use_case, framework=eu, today=later)
    assert coverage.covered == 0
    assert services.evidence_expiring(within_days=400).filter(pk=evidence.pk).exists()
    from lifecycle.calendar import calendar_events

    days = calendar_events(user=people["ds"], start=evidence.expires_on, end=evidence.expires_on)
    assert [e.title for e in days if e.kind == "evidence_expiry"] == [f"Evidence expires: CTL-01 for {use_case.code}"]


def test_a_new_version_makes_the_evidence_of_older_versions_stale_and_asks_owners_to_renew(units, people):
    use_case = _use_case(people["pm"], units["RETAIL"], "Credit scoring", "medium")
    model = lifecycle.model_register(actor=people["ds"], name="credit-model", use_case=use_case)
    v1 = lifecycle.model_version_register(actor=people["ds"], model=model, version="1")
    bound = accept(people["reviewer"], submit(people["ds"], use_case, "CTL-03", version=v1))
    pending = submit(people["ds"], use_case, "CTL-07", version=v1)
    unbound = accept(people["reviewer"], submit(people["ds"], use_case, "CTL-01"))
    Notification.objects.all().delete()

    lifecycle.model_version_register(actor=people["ds"], model=model, version="2")

    bound.refresh_from_db()
    pending.refresh_from_db()
    unbound.refresh_from_db()
    assert bound.stale and "Version 2" in bound.stale_reason
    assert pending.stale
    assert not unbound.stale
    assert AuditEvent.objects.filter(action="evidence.stale", target_id=str(bound.pk)).exists()
    assert Notification.objects.filter(recipient=people["ds"], subject__contains="Renew").count() == 1
    with pytest.raises(Conflict, match="stale"):
        accept(people["reviewer"], pending)
    eu = Framework.objects.get(code="eu-ai-act")
    [coverage] = selectors.use_case_coverage(user=people["ds"], use_case=use_case, framework=eu)
    assert Control.objects.get(code="CTL-03") in coverage.missing


# --- Coverage ----------------------------------------------------------------------------------------------


@pytest.fixture
def portfolio_with_evidence(units, people):
    """A high and a medium use case in RETAIL, a low confidential one in CORP, with evidence counted by hand
    against the seeded crosswalk (EU AI Act: low 2 controls, medium 6, high 8; GDPR: low 0, medium 2, high 5)."""
    pm, ds, reviewer = people["pm"], people["ds"], people["reviewer"]
    high = _use_case(pm, units["RETAIL"], "High", "high")
    medium = _use_case(pm, units["RETAIL"], "Medium", "medium")
    low_hidden = _use_case(pm, units["CORP"], "Low hidden", "low", confidential=True)
    for code in ("CTL-01", "CTL-06"):
        accept(reviewer, submit(ds, high, code))
    expired = accept(reviewer, submit(ds, high, "CTL-02"))
    Evidence.objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    submit(ds, high, "CTL-08")  # submitted, not reviewed
    submit(ds, high, "CTL-11")  # not reviewed either
    accept(reviewer, submit(ds, medium, "CTL-03"))
    model = lifecycle.model_register(actor=ds, name="medium-model", use_case=medium)
    v1 = lifecycle.model_version_register(actor=ds, model=model, version="1")
    accept(reviewer, submit(ds, medium, "CTL-07", version=v1))
    lifecycle.model_version_register(actor=ds, model=model, version="2")  # CTL-07 goes stale
    corp_reviewer = person("corp-reviewer", "review_board", units=(units["CORP"],))  # sees the confidential one
    accept(corp_reviewer, submit(people["corp_ds"], low_hidden, "CTL-01"))
    accept(reviewer, submit(ds, _use_case(pm, units["RETAIL"], "Unassessed", "unassessed"), "CTL-01"))
    return {"high": high, "medium": medium, "low_hidden": low_hidden}


def _by_code(rows):
    return {row.framework.code: (row.use_cases, row.required, row.covered) for row in rows}


def test_coverage_of_a_use_case_names_what_is_missing(people, portfolio_with_evidence):
    high = portfolio_with_evidence["high"]
    coverage = {c.framework.code: c for c in selectors.use_case_coverage(user=people["ds"], use_case=high)}
    eu = coverage["eu-ai-act"]
    assert (eu.covered, eu.required, eu.percent) == (2, 8, 25)
    assert [c.code for c in eu.missing] == ["CTL-03", "CTL-04", "CTL-05", "CTL-07", "CTL-08", "CTL-09"]
    assert (coverage["gdpr"].covered, coverage["gdpr"].required) == (1, 5)
    assert coverage["sr-11-7"].required == 4  # CTL-01, 04, 05, 09


def test_coverage_by_framework_matches_a_hand_count_for_what_each_user_sees(people, portfolio_with_evidence):
    mine = _by_code(selectors.compliance_coverage_by_framework(user=people["ds"]))
    assert mine["eu-ai-act"] == (2, 8 + 6, 2 + 1)
    assert mine["gdpr"] == (2, 5 + 2, 1 + 1)
    everything = _by_code(selectors.compliance_coverage_by_framework(user=people["exec"]))
    assert everything["eu-ai-act"] == (3, 8 + 6 + 2, 2 + 1 + 1)
    assert everything["gdpr"] == (2, 7, 2)  # the low use case needs no GDPR control


def test_coverage_by_framework_runs_a_constant_number_of_queries(
    units, people, portfolio_with_evidence, django_assert_max_num_queries
):
    for i in range(5):
        use_case = _use_case(people["pm"], units["RETAIL"], f"More {i}", "critical")
        accept(people["reviewer"], submit(people["ds"], use_case, "CTL-08"))
    user = person("fresh-ds", "data_scientist", units=(units["RETAIL"],))
    with django_assert_max_num_queries(6):
        rows = selectors.compliance_coverage_by_framework(user=user)
    assert len(rows) == 8


def test_the_demo_reads_as_a_well_run_portfolio_with_a_few_gaps_and_one_expired_item(db):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("seed_demo")
    today = timezone.localdate()
    assert Evidence.objects.filter(status="accepted", expires_on__lt=today).count() == 1
    assert Evidence.objects.filter(status="rejected").exists() and Evidence.objects.filter(status="submitted").exists()
    rows = selectors.compliance_coverage_by_framework(user=User.objects.get(username="exec"))
    eu = next(row for row in rows if row.framework.code == "eu-ai-act")
    assert 0.7 * eu.required <= eu.covered < eu.required  # mostly covered, not complete: a few believable gaps
