"""Effective challenge: an open high-severity finding blocks approval unless a time-boxed exception."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import Conflict, NotAllowed
from governance import services
from governance.models import FindingException, Review
from lifecycle import services as lifecycle
from lifecycle.models import ModelVersion
from tests.governance.helpers import person, sign_all, signer_for


def approve(version):
    return lifecycle.model_version_transition(
        actor=person("chair", "review_board"), version=version, to_stage="approved"
    )


@pytest.fixture
def finding(pending):
    review = Review.objects.get(version=pending)
    return services.finding_raise(
        actor=signer_for("validation"), review=review, severity="high", description="Backtest leaks future data."
    )


def test_an_open_high_finding_blocks_approval_until_responded_and_closed(pending, ds, finding):
    sign_all(finding.review)
    with pytest.raises(Conflict) as refused:
        approve(pending)
    assert refused.value.details["failed_gates"] == [
        {
            "gate": "no open high-severity finding",
            "passed": False,
            "detail": f"Open high-severity finding #{finding.pk}: close it, or ask the exception authority for a "
            "time-boxed exception.",
        }
    ]
    with pytest.raises(Conflict, match="after the developers responded"):
        services.finding_close(actor=signer_for("validation"), finding=finding)
    with pytest.raises(NotAllowed, match="submitter or an owner"):
        services.finding_respond(actor=signer_for("business"), finding=finding, response="x")
    services.finding_respond(actor=ds, finding=finding, response="Re-ran the backtest with a strict time split.")
    with pytest.raises(NotAllowed, match="Validation function"):
        services.finding_close(actor=signer_for("business"), finding=finding)
    services.finding_close(actor=signer_for("validation"), finding=finding)
    assert approve(pending).stage == "approved"


def test_an_exception_from_a_separate_authority_lets_it_pass_until_it_expires(pending, finding):
    sign_all(finding.review)
    authority = person("exceptions", "exception_authority")
    with pytest.raises(NotAllowed, match="exception authority"):
        services.finding_exception_grant(actor=signer_for("business"), finding=finding, reason="x", days=10)
    validator = signer_for("validation")
    validator.groups.add(*authority.groups.all())
    with pytest.raises(NotAllowed, match="someone other than the validator"):
        services.finding_exception_grant(
            actor=type(validator).objects.get(pk=validator.pk), finding=finding, reason="x", days=10
        )
    granted = services.finding_exception_grant(
        actor=authority, finding=finding, reason="Fix ships in the next version.", days=30
    )
    FindingException.objects.filter(pk=granted.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="Open high-severity finding"):
        approve(pending)
    services.finding_exception_grant(actor=authority, finding=finding, reason="Renewed for the fix.", days=7)
    assert approve(pending).stage == "approved"


def test_low_findings_do_not_block(pending):
    review = Review.objects.get(version=pending)
    services.finding_raise(actor=signer_for("validation"), review=review, severity="low", description="Typo in doc.")
    sign_all(review)
    assert approve(pending).stage == "approved"
    assert ModelVersion.objects.get(pk=pending.pk).stage == "approved"


def test_findings_through_the_api(pending, ds, api):
    review = Review.objects.get(version=pending)
    validator = signer_for("validation")
    made = api(validator).post(
        "/api/v1/findings/", {"review": review.pk, "severity": "high", "description": "Drift untested."}, format="json"
    )
    assert made.status_code == 201, made.json()
    url = f"/api/v1/findings/{made.json()['id']}/"
    assert api(ds).post(f"{url}close/", {}, format="json").status_code == 403
    assert api(validator).post(f"{url}close/", {}, format="json").status_code == 409
    assert api(ds).post(f"{url}respond/", {"response": "Added a drift test."}, format="json").status_code == 200
    closed = api(validator).post(f"{url}close/", {"reason": "Verified."}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (
        api(ds).post("/api/v1/findings/", {"review": review.pk, "severity": "high", "description": "x"}).status_code
        == 403
    )


def test_the_pages_show_findings_and_live_exceptions(pending, finding, client):
    authority = person("exceptions", "exception_authority")
    services.finding_exception_grant(actor=authority, finding=finding, reason="Fix ships next sprint.", days=14)
    client.force_login(signer_for("validation"))
    review_page = client.get(f"/governance/reviews/{finding.review_id}/").content.decode()
    assert "Backtest leaks future data." in review_page
    assert "Fix ships next sprint." in client.get("/governance/reviews/").content.decode()


def test_production_needs_a_current_approval_on_unchanged_content(pending, ds):
    from datetime import timedelta

    from django.utils import timezone

    from governance.models import Review as ReviewModel

    review = Review.objects.get(version=pending)
    sign_all(review)
    approve(pending)
    lifecycle.deployment_record(actor=ds, version=pending, environment="production")
    ModelVersion.objects.filter(pk=pending.pk).update(source_uri="s3://models/fraud/other.onnx")
    pending.refresh_from_db()
    with pytest.raises(Conflict, match="content changed after it was signed"):
        lifecycle.model_version_transition(actor=ds, version=pending, to_stage="production")
    ModelVersion.objects.filter(pk=pending.pk).update(source_uri="")
    ReviewModel.objects.filter(pk=review.pk).update(closed_at=timezone.now() - timedelta(days=400))
    with pytest.raises(Conflict, match="expired on"):
        lifecycle.model_version_transition(actor=ds, version=pending, to_stage="production")
    ReviewModel.objects.filter(pk=review.pk).update(closed_at=timezone.now())
    assert lifecycle.model_version_transition(actor=ds, version=pending, to_stage="production").stage == "production"
