"""Required test evidence: each tier's policy lists the typed evidence a version needs; a gate checks that each
kind is present, reviewed by an independent holder of the right function, and bound to this version's content."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from governance import services
from governance.models import Review, ReviewPolicy, TestEvidence
from lifecycle import gates
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from notifications.models import Notification
from tests.governance.conftest import submit
from tests.governance.helpers import (
    TEST_EVIDENCE,
    document,
    person,
    provide_test_evidence,
    sign_all,
    signer_for,
)

ALL_KINDS = [
    "validation_protocol",
    "adversarial_robustness",
    "penetration_test",
    "code_review",
    "explainability_report",
]
LABELS = {
    "validation_protocol": "Validation protocol",
    "adversarial_robustness": "Adversarial robustness test",
    "penetration_test": "Penetration test of the serving API",
    "code_review": "Code review",
    "explainability_report": "Explainability report",
}
GATE = "required test evidence"


def gate(version) -> str | None:
    """What the required test evidence gate says of a move to approved (None: it passes)."""
    version = ModelVersion.objects.get(pk=version.pk)
    return next(
        (r.detail for r in gates.run(version=version, to_stage=Stage.APPROVED) if r.gate == GATE and not r.passed),
        None,
    )


def submit_evidence(ds, version, kind, **changes):
    return services.test_evidence_submit(actor=ds, version=version, kind=kind, **{**TEST_EVIDENCE[kind], **changes})


def accept(evidence, kind=None):
    reviewer = signer_for(
        "security" if (kind or evidence.kind) in ("penetration_test", "adversarial_robustness") else "validation"
    )
    return services.test_evidence_review(actor=reviewer, evidence=evidence, decision="accept")


@pytest.fixture
def every_kind(pending):
    """The medium tier requires all five kinds; the open review moves to that policy version."""
    services.review_policy_update(
        actor=person("root", "platform_admin"),
        tier="medium",
        reason="Test all kinds.",
        required_test_evidence=ALL_KINDS,
    )
    return pending


# --- The policy ----------------------------------------------------------------------------------------------


def test_each_tier_requires_more_test_evidence_as_its_risk_grows(db):
    required = {tier: services.current_policy(tier).required_test_evidence for tier in ("low", "medium", "high")}
    assert required == {
        "low": ["validation_protocol"],
        "medium": ["validation_protocol", "code_review"],
        "high": ["validation_protocol", "adversarial_robustness", "code_review", "explainability_report"],
    }
    assert services.current_policy("critical").required_test_evidence == ALL_KINDS
    # A new version carries the requirement; the version before it is kept as it was.
    low = services.current_policy("low")
    assert ReviewPolicy.objects.get(tier="low", version=low.version - 1).required_test_evidence == []
    assert low.snapshot()["required_test_evidence"] == ["validation_protocol"]


def test_a_policy_edit_refuses_an_unknown_kind_by_its_name(db, api):
    admin = person("root", "platform_admin")
    with pytest.raises(ApplicationError, match="unknown kind fuzzing"):
        services.review_policy_update(
            actor=admin, tier="low", reason="x", required_test_evidence=["validation_protocol", "fuzzing"]
        )
    refused = api(admin).post(
        "/api/v1/review-policies/",
        {"tier": "low", "required_test_evidence": ["fuzzing"], "reason": "x"},
        format="json",
    )
    assert refused.status_code == 400 and "fuzzing" in str(refused.json())
    made = api(admin).post(
        "/api/v1/review-policies/",
        {"tier": "low", "required_test_evidence": ["code_review", "validation_protocol", "code_review"], "reason": "x"},
        format="json",
    )
    assert made.status_code == 201
    assert made.json()["required_test_evidence"] == ["validation_protocol", "code_review"]  # canonical, no repeats
    event = AuditEvent.objects.filter(action="review_policy.changed").latest("seq")
    assert event.changes["required_test_evidence"] == [["validation_protocol"], ["validation_protocol", "code_review"]]


def test_a_review_keeps_the_policy_version_it_started_with(pending, ds):
    review = Review.objects.get(version=pending)
    assert review.policy_snapshot["required_test_evidence"] == ["validation_protocol", "code_review"]
    sign_all(review)  # documents the version (its two kinds accepted) and approves every function
    review.refresh_from_db()
    assert review.status == "approved"
    services.review_policy_update(
        actor=person("root", "platform_admin"),
        tier="medium",
        reason="Pen tests from now on.",
        required_test_evidence=["validation_protocol", "code_review", "penetration_test"],
    )
    review.refresh_from_db()
    assert "penetration_test" not in review.policy_snapshot["required_test_evidence"]
    assert gate(pending) is None
    lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")
    # A version submitted now is reviewed under the new version and needs the pen test.
    second = submit(ds, pending.model, "2")
    assert "missing: Validation protocol, Penetration test of the serving API, Code review." in gate(second)


# --- The gate ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_missing_kind_fails_the_gate_naming_it(every_kind, kind):
    provide_test_evidence(every_kind, skip=(kind,))
    detail = gate(every_kind)
    assert detail.startswith(f"Required test evidence is not in place: missing: {LABELS[kind]}.")
    assert all(LABELS[other] not in detail for other in ALL_KINDS if other != kind)


def test_evidence_waiting_for_review_does_not_count(pending, ds):
    provide_test_evidence(pending, skip=("code_review",))
    submit_evidence(ds, pending, "code_review")
    assert "waiting for review: Code review" in gate(pending)


def test_rejected_evidence_fails_and_a_rejection_says_why(pending, ds):
    provide_test_evidence(pending, skip=("code_review",))
    evidence = submit_evidence(ds, pending, "code_review")
    validator = signer_for("validation")
    with pytest.raises(ApplicationError, match="comment: say why"):
        services.test_evidence_review(actor=validator, evidence=evidence, decision="reject", comment=" ")
    services.test_evidence_review(
        actor=validator, evidence=evidence, decision="reject", comment="Only the scoring code was reviewed."
    )
    assert "rejected: Code review" in gate(pending)
    assert Notification.objects.filter(recipient=ds, subject__contains="was rejected").exists()
    with pytest.raises(Conflict, match="already rejected"):
        services.test_evidence_review(actor=validator, evidence=evidence, decision="accept")
    # Submitted again and accepted, it counts.
    accept(submit_evidence(ds, pending, "code_review", summary="Every module reviewed."))
    assert gate(pending) is None


def test_evidence_accepted_for_another_version_does_not_count(pending, ds):
    provide_test_evidence(pending)
    assert gate(pending) is None
    second = submit(ds, pending.model, "2")
    assert gate(second).startswith("Required test evidence is not in place: missing: Validation protocol, Code review")


def test_a_content_change_after_acceptance_makes_the_evidence_stale(pending, ds):
    provide_test_evidence(pending, skip=("code_review",))
    waiting = submit_evidence(ds, pending, "code_review")
    ModelVersion.objects.filter(pk=pending.pk).update(metrics={"auc": 0.97, "recall": 0.85})
    detail = gate(pending)
    assert "stale, the version changed after it was submitted: Validation protocol, Code review" in detail
    with pytest.raises(Conflict, match="content changed after this evidence was submitted"):
        accept(waiting)
    pending.refresh_from_db()
    provide_test_evidence(pending)  # submitted again for the new content
    assert gate(pending) is None


def test_everything_accepted_passes_and_the_version_is_approved(pending):
    sign_all(Review.objects.get(version=pending))
    assert gate(pending) is None
    approved = lifecycle.model_version_transition(
        actor=person("chair", "review_board"), version=pending, to_stage="approved"
    )
    assert approved.stage == "approved"


def test_approval_is_refused_with_the_gate_in_words(pending):
    review = Review.objects.get(version=pending)
    sign_all(review)
    TestEvidence.objects.filter(version=pending, kind="code_review").delete()
    with pytest.raises(Conflict, match="Required test evidence is not in place: missing: Code review") as refused:
        lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")
    assert GATE in {g["gate"] for g in refused.value.details["failed_gates"]}


# --- Submitting and reviewing ------------------------------------------------------------------------------------


def test_submission_is_typed_bound_to_the_content_and_audited(pending, ds):
    with pytest.raises(ApplicationError, match="method: a validation protocol names its method"):
        submit_evidence(ds, pending, "validation_protocol", method="")
    with pytest.raises(ApplicationError, match="results: a validation protocol gives its results"):
        submit_evidence(ds, pending, "validation_protocol", results={})
    with pytest.raises(ApplicationError, match="results: each result is a metric name and a number"):
        submit_evidence(ds, pending, "validation_protocol", results={"auc": "high"})
    with pytest.raises(ApplicationError, match="method: only a validation protocol has a method"):
        submit_evidence(ds, pending, "code_review", method="holdout")
    with pytest.raises(ApplicationError, match="kind: unknown kind"):
        services.test_evidence_submit(actor=ds, version=pending, kind="vibes", summary="x", link="https://x.example")
    with pytest.raises(ApplicationError, match="link: give a link to the report, or a reference"):
        submit_evidence(ds, pending, "code_review", link="")
    with pytest.raises(ApplicationError, match="summary: say what was tested"):
        submit_evidence(ds, pending, "code_review", summary="  ")
    with pytest.raises(NotAllowed):
        submit_evidence(person("other-ds", "data_scientist"), pending, "code_review")
    evidence = submit_evidence(ds, pending, "validation_protocol")
    assert evidence.method == "holdout" and evidence.results == {"auc": 0.91, "recall": 0.84}
    assert evidence.version_digest == services.reviews.content_digest(pending) and evidence.status == "submitted"
    event = AuditEvent.objects.get(action="test_evidence.submitted")
    assert (
        event.changes["digest"] == [None, evidence.version_digest] and event.changes["kind"][1] == "validation_protocol"
    )
    with pytest.raises(Conflict, match="already waiting for review"):
        submit_evidence(ds, pending, "validation_protocol")


def test_the_reviewer_holds_the_function_the_kind_asks_for(pending, ds):
    pen_test = submit_evidence(ds, pending, "penetration_test")
    code_review = submit_evidence(ds, pending, "code_review")
    with pytest.raises(NotAllowed, match="reviewed by holders of the Security function"):
        services.test_evidence_review(actor=signer_for("validation"), evidence=pen_test, decision="accept")
    with pytest.raises(NotAllowed, match="reviewed by holders of the Validation function"):
        services.test_evidence_review(actor=signer_for("security"), evidence=code_review, decision="accept")
    with pytest.raises(NotAllowed):
        services.test_evidence_review(actor=person("board", "review_board"), evidence=code_review, decision="accept")
    accepted = services.test_evidence_review(actor=signer_for("security"), evidence=pen_test, decision="accept")
    assert accepted.status == "accepted" and accepted.reviewed_by == signer_for("security")
    event = AuditEvent.objects.get(action="test_evidence.accepted")
    assert event.changes["function"] == [None, "security"]


def test_the_reviewer_is_independent_of_the_submitter_and_the_owners(pending, ds, units):
    evidence = submit_evidence(ds, pending, "code_review")
    ds.groups.add(*signer_for("validation").groups.all())  # the developer also holds validation
    ds = type(ds).objects.get(pk=ds.pk)
    with pytest.raises(NotAllowed, match="an independent reviewer must decide"):
        services.test_evidence_review(actor=ds, evidence=evidence, decision="accept")
    owner = person("co-owner", "data_scientist", "sign_off_validation", units=(units["RETAIL"],))
    pending.model.owners.add(owner)
    with pytest.raises(NotAllowed, match="an independent reviewer must decide"):
        services.test_evidence_review(actor=owner, evidence=evidence, decision="accept")
    assert TestEvidence.objects.get(pk=evidence.pk).status == "submitted"


def test_reviewers_of_the_kind_are_told_and_the_developers_hear_back(pending, ds):
    validator, security = signer_for("validation"), signer_for("security")
    evidence = submit_evidence(ds, pending, "code_review")
    assert Notification.objects.filter(recipient=validator, subject__contains="Code review").exists()
    assert not Notification.objects.filter(recipient=security).exists()
    accept(evidence)
    assert Notification.objects.filter(recipient=ds, subject__contains="was accepted").exists()


# --- API, pages, admin -----------------------------------------------------------------------------------------


def test_the_api_submits_reviews_and_reports_the_state_of_each_kind(pending, ds, api):
    url = "/api/v1/test-evidence/"
    body = {"model_version": pending.pk, "kind": "validation_protocol", **TEST_EVIDENCE["validation_protocol"]}
    body["status"], body["submitted_by"] = "accepted", signer_for("validation").pk  # ignored
    made = api(ds).post(url, body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "submitted" and made.json()["submitted_by"] == "ds"
    bad = api(ds).post(url, {**body, "method": ""}, format="json")
    assert bad.status_code == 400 and "method" in bad.json()["detail"]
    outsider = api(person("other-ds", "data_scientist")).post(url, {**body, "kind": "code_review"}, format="json")
    assert outsider.status_code == 403
    evidence_id = made.json()["id"]
    assert api(ds).post(f"{url}{evidence_id}/review/", {"decision": "accept"}, format="json").status_code == 403
    no_reason = api(signer_for("validation")).post(f"{url}{evidence_id}/review/", {"decision": "reject"}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()["detail"]
    done = api(signer_for("validation")).post(f"{url}{evidence_id}/review/", {"decision": "accept"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    states = api(ds).get(f"/api/v1/governance/versions/{pending.pk}/required-test-evidence/").json()
    assert [(s["kind"], s["state"], s["evidence"]) for s in states] == [
        ("validation_protocol", "accepted", evidence_id),
        ("code_review", "missing", None),
    ]
    listed = api(ds).get(f"{url}?model_version={pending.pk}&status=accepted").json()
    assert [row["id"] for row in listed["results"]] == [evidence_id]


def test_the_page_lists_the_kinds_takes_submissions_and_review_decisions(pending, ds, client):
    page_url = reverse("governance:test_evidence", args=[pending.pk])
    client.force_login(ds)
    page = client.get(page_url).content.decode()
    assert "Validation protocol" in page and "Code review" in page and 'data-testid="test-evidence-submit"' in page
    posted = client.post(
        page_url,
        {
            "kind": "validation_protocol",
            "method": "backtest",
            "summary": "Four quarters, rolling origin.",
            "results": "auc = 0.9\nrecall: 0.8",
            "reference": "DMS-1",
        },
    )
    assert posted.status_code == 302
    evidence = TestEvidence.objects.get(version=pending)
    assert evidence.results == {"auc": 0.9, "recall": 0.8} and evidence.method == "backtest"
    refused = client.post(page_url, {"kind": "code_review", "summary": "x"})  # neither link nor reference
    assert refused.status_code == 400 and "give a link to the report" in refused.content.decode()
    # The developer has no review buttons, and a forged decision is refused in words.
    assert f'data-testid="review-test-evidence-{evidence.pk}"' not in client.get(page_url).content.decode()
    review_url = reverse("governance:test_evidence_review", args=[evidence.pk])
    followed = client.post(review_url, {"decision": "accept"}, follow=True).content.decode()
    assert "you do not hold it" in followed or "independent reviewer" in followed
    assert TestEvidence.objects.get(pk=evidence.pk).status == "submitted"
    client.force_login(signer_for("validation"))
    assert f'data-testid="review-test-evidence-{evidence.pk}"' in client.get(page_url).content.decode()
    queue = client.get(reverse("governance:review_queue")).content.decode()
    assert 'data-testid="test-evidence-queue"' in queue and f"Validation protocol #{evidence.pk}" in queue
    client.post(review_url, {"decision": "accept", "comment": "Backtest is sound."})
    assert TestEvidence.objects.get(pk=evidence.pk).status == "accepted"
    review = Review.objects.get(version=pending)
    detail = client.get(reverse("governance:review_detail", args=[review.pk])).content.decode()
    assert 'data-testid="review-test-evidence"' in detail and "Accepted" in detail and "Missing" in detail


def test_the_model_page_shows_each_open_version_with_its_kinds(pending, ds, client, django_assert_max_num_queries):
    submit_evidence(ds, pending, "validation_protocol")
    client.force_login(ds)
    page = client.get(reverse("lifecycle:model_detail", args=[pending.model_id])).content.decode()
    panel = page.split('data-testid="test-evidence-panel"')[1].split("</section>")[0]
    assert "v1" in panel and "Waiting for review" in panel and "Missing" in panel
    assert reverse("governance:test_evidence", args=[pending.pk]) in panel
    from governance.required_evidence import versions_with_requirements

    for number in ("2", "3"):
        lifecycle.model_version_register(actor=ds, model=pending.model, version=number, metrics={"auc": 0.9})
    with django_assert_max_num_queries(8):
        rows = versions_with_requirements(user=ds, model=pending.model)
    assert len(rows) == 3 and all(len(requirements) == 2 for _, requirements in rows)


def test_the_admin_shows_test_evidence_but_never_changes_it(pending, ds, client):
    evidence = submit_evidence(ds, pending, "code_review")
    root = person("root", "platform_admin")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    assert client.get(f"/admin/governance/testevidence/{evidence.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/governance/testevidence/{evidence.pk}/change/", {"status": "accepted"}).status_code == 403
    )
    assert client.get("/admin/governance/testevidence/add/").status_code == 403
    assert client.post(f"/admin/governance/testevidence/{evidence.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TestEvidence.objects.get(pk=evidence.pk).status == "submitted"


def test_the_helpers_document_a_version_for_every_gate(pending):
    document(pending)
    assert gate(pending) is None
