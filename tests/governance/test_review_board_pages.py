"""The review page as the board uses it: every gate before production with the actual value beside each
threshold and where to fix it, the move it offers once the policy is satisfied, the policy flag that moves the
version on the last signature, and the training refusal that says where training is recorded."""

from governance import services
from governance.models import Review
from lifecycle.models import ModelVersion
from tests.governance.helpers import PASSWORD, document, person, signer_for


def review_of(version) -> Review:
    return Review.objects.get(version=version, status__in=["open", "approved"])


def sign(user, review, function):
    return services.sign_off_record(actor=user, review=review, function=function, decision="approve", password=PASSWORD)


def test_the_review_page_lists_every_gate_before_production_with_actual_values_and_fix_links(pending, client):
    review = review_of(pending)
    client.force_login(signer_for("validation"))
    page = client.get(f"/governance/reviews/{review.pk}/").content.decode()
    checklist = page.split('data-testid="gate-checklist"')[1].split("</section>")[0]
    # The medium policy asks auc >= 0.7; the version's auc is 0.91: the actual value stands beside it.
    thresholds = checklist.split('data-testid="thresholds"')[1].split("</div>")[0]
    assert "auc 0.91 ≥ 0.7" in thresholds
    for gate in ("Review complete", "Model card complete", "Production deployment recorded", "Approval current"):
        assert gate in checklist
    assert f"/governance/versions/{pending.pk}/card/edit/" in checklist  # where the card gate is fixed
    assert f'href="/governance/reviews/{review.pk}/#sign"' in checklist  # the signatures are fixed on this page
    # The emergency edge's gate is not on the normal path: it does not count against the version.
    emergency = checklist.split('data-gate="approved before production"')[1].split("</tr>")[0]
    assert "Not applicable" in emergency and "emergency release" in emergency


def test_fairness_thresholds_show_the_worst_group_beside_the_bias_gate(pending, ds, client):
    review = review_of(pending)
    fairness_rule = {"metric": "disparate_impact", "operator": ">=", "value": 0.8}
    review.policy_snapshot = {
        **review.policy_snapshot,
        "metric_thresholds": [*review.policy_snapshot["metric_thresholds"], fairness_rule],
    }
    review.save(update_fields=["policy_snapshot"])
    # Group b selects half as often as group a: its disparate impact, 0.5, is the worst.
    data = b"label,prediction,group\n1,1,a\n0,1,a\n1,1,b\n0,0,b\n"
    assessment = services.bias_assessment_create(
        actor=ds, version=pending, data=data, file_name="p.csv", reference_groups={"group": "a"}
    )
    client.force_login(signer_for("validation"))
    for url in (f"/governance/reviews/{review.pk}/", f"/lifecycle/versions/{pending.pk}/"):
        page = client.get(url).content.decode()
        bias = page.split('data-gate="bias assessment passed"')[1].split("</tr>")[0]
        assert "disparate_impact 0.5 ≥ 0.8" in bias and f"bias assessment #{assessment.pk}, worst group" in bias
        # Measured on the assessment, not looked for among the run's metrics.
        thresholds = page.split('data-gate="metric thresholds met"')[1].split("</tr>")[0]
        assert "auc 0.91 ≥ 0.7" in thresholds and "disparate_impact" not in thresholds


def test_after_the_last_signature_the_review_page_offers_the_move_and_makes_it(pending, client):
    review = review_of(pending)
    document(pending)
    sign(signer_for("validation"), review, "validation")
    url = f"/governance/reviews/{review.pk}/"
    chair = person("chair", "review_board")
    client.force_login(chair)
    assert 'data-testid="move-form-approved"' not in client.get(url).content.decode()  # business still missing
    sign(signer_for("business"), review, "business")
    page = client.get(url).content.decode()
    assert 'data-testid="move-form-approved"' in page
    moved = client.post(url, {"step": "move", "to": "approved", "reason": "Every function approved."})
    assert moved.status_code == 302
    assert ModelVersion.objects.get(pk=pending.pk).stage == "approved"
    after = client.get(url).content.decode()
    production = after.split('data-testid="move-production"')[1].split("</div>")[0]
    assert "Not ready for production" in production and "production deployment recorded" in production


def test_a_refused_move_names_the_failed_gate_and_moves_nothing(pending, client):
    review = review_of(pending)
    client.force_login(person("chair", "review_board"))
    response = client.post(
        f"/governance/reviews/{review.pk}/", {"step": "move", "to": "approved", "reason": "Early."}, follow=True
    )
    assert "lacks the approval of" in response.content.decode()
    assert ModelVersion.objects.get(pk=pending.pk).stage == "pending_approval"


def test_a_policy_that_promotes_on_approval_moves_the_version_on_the_last_signature(pending):
    admin = person("policy-admin", "platform_admin")
    services.review_policy_update(
        actor=admin, tier="medium", reason="Move complete reviews at once.", promote_on_approval=True
    )
    review = review_of(pending)
    assert review.policy_snapshot["promote_on_approval"] is True
    document(pending)
    sign(signer_for("validation"), review, "validation")
    assert ModelVersion.objects.get(pk=pending.pk).stage == "pending_approval"
    sign(signer_for("business"), review, "business")
    assert ModelVersion.objects.get(pk=pending.pk).stage == "approved"


def test_promote_on_approval_leaves_the_version_when_a_gate_of_approved_fails(pending):
    admin = person("policy-admin", "platform_admin")
    services.review_policy_update(actor=admin, tier="medium", reason="Move at once.", promote_on_approval=True)
    review = review_of(pending)  # no model card: the card gate of approved fails
    sign(signer_for("validation"), review, "validation")
    sign(signer_for("business"), review, "business")
    review.refresh_from_db()
    assert review.status == "approved"  # the signature stands
    assert ModelVersion.objects.get(pk=pending.pk).stage == "pending_approval"


def test_a_signer_without_training_is_told_where_it_is_recorded(pending, client):
    review = review_of(pending)
    untrained = person("untrained-validator", "review_board", "sign_off_validation", trained=False)
    client.force_login(untrained)
    page = client.get(f"/governance/reviews/{review.pk}/").content.decode()
    assert 'data-testid="training-needed"' in page and 'href="/governance/training/"' in page
    refused = client.post(
        f"/governance/reviews/{review.pk}/", {"function": "validation", "decision": "approve", "password": PASSWORD}
    )
    assert "/governance/training/" in refused.content.decode()
