"""Reviews and sign-offs: every rule refused with its message, digests, supersession, the gate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from governance import services
from governance.models import Review, SignOff, TrainingRecord
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from notifications.models import Notification
from tests.governance.conftest import submit
from tests.governance.helpers import PASSWORD, document, person, sign_all, signer_for
from tests.lifecycle.helpers import record_training_data


def review_of(version) -> Review:
    return Review.objects.get(version=version, status="open")


def sign(user, review, function="validation", decision="approve", comment="", password=PASSWORD):
    return services.sign_off_record(
        actor=user, review=review, function=function, decision=decision, comment=comment, password=password
    )


def test_submission_opens_a_review_under_the_tier_policy_and_notifies_holders(pending):
    validator = signer_for("validation")  # created after: holders found when the review opens
    review = review_of(pending)
    assert review.required_functions == ["validation", "business"]
    assert review.policy_snapshot["tier"] == "medium"
    assert review.policy_snapshot["version"] == services.current_policy("medium").version
    assert not Notification.objects.filter(recipient=validator).exists()


def test_holders_existing_at_submission_are_notified(ds, model, use_case):
    from tests.governance.conftest import MEDIUM_ANSWERS
    from tests.governance.helpers import LOW_ANSWERS, approve_assessment

    validator, business = signer_for("validation"), signer_for("business")
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    submit(ds, model)
    assert Notification.objects.filter(recipient=validator, subject__contains="Validation").exists()
    assert Notification.objects.filter(recipient=business, subject__contains="Business").exists()
    assert not Notification.objects.filter(recipient=ds, category="review").exists()


def test_submission_without_an_approved_assessment_is_refused(ds, model):
    version = lifecycle.model_version_register(actor=ds, model=model, version="1", signature={"inputs": "x"})
    lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    record_training_data(version, actor=ds)
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)
    assert refused.value.details["failed_gates"][0]["gate"] == "impact assessment approved"
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("who", "kwargs", "error", "message"),
    [
        ("submitter", {}, NotAllowed, "independent person must sign"),
        ("owner", {}, NotAllowed, "independent person must sign"),
        ("not_holder", {}, NotAllowed, "do not hold the Validation"),
        ("in_model_unit", {}, NotAllowed, "Independent validation: you are a member of Retail"),
        ("in_owner_unit", {}, NotAllowed, "Independent validation: you are a member of Corporate"),
        ("untrained", {}, NotAllowed, "no current AI-literacy training"),
        ("expired", {}, NotAllowed, "no current AI-literacy training"),
        ("validator", {"password": "wrong"}, NotAllowed, "password: the password is wrong"),
        ("validator", {"password": ""}, NotAllowed, "password: signing needs your password"),
        ("validator", {"decision": "reject"}, ApplicationError, "comment: say why"),
        ("validator", {"decision": "request_changes"}, ApplicationError, "comment: say why"),
        ("validator", {"decision": "maybe"}, ApplicationError, "decision: use one of"),
        ("validator", {"function": "legal"}, ApplicationError, "does not need Legal"),
        ("validator", {"function": "astrology"}, ApplicationError, "unknown function"),
    ],
)
def test_each_sign_off_rule_is_refused_with_its_message(pending, ds, units, who, kwargs, error, message):
    review = review_of(pending)
    users = {
        "submitter": lambda: ds,
        "owner": lambda: _owner(pending),
        "not_holder": lambda: person("plain-reviewer", "review_board"),
        "untrained": lambda: person("untrained", "review_board", "sign_off_validation", trained=False),
        "expired": lambda: _expired(person("lapsed", "review_board", "sign_off_validation", trained=False)),
        "validator": lambda: signer_for("validation"),
        "in_model_unit": lambda: signer_for("validation", units=(units["RETAIL"],)),
        "in_owner_unit": lambda: _owner_in_unit(pending, units["CORP"]),
    }
    user = users[who]()
    if who == "submitter":
        user.groups.add(*signer_for("validation").groups.all())
        user = type(user).objects.get(pk=user.pk)
        TrainingRecord.objects.create(user=user, completed_on=timezone.localdate(), expires_on=_in(300))
    if kwargs.get("function") == "legal":
        user.groups.add(*person("legal-signer", "sign_off_legal").groups.all())
        user = type(user).objects.get(pk=user.pk)
    with pytest.raises(error, match=message):
        sign(user, review, **kwargs)
    assert not SignOff.objects.exists()
    assert AuditEvent.objects.filter(action="review.sign_off_refused", target_id=str(review.pk)).exists()


def _in(days):
    return timezone.localdate() + timedelta(days=days)


def _owner(version):
    owner = signer_for("validation")
    version.model.owners.add(owner)
    return owner


def _owner_in_unit(version, unit):
    """A validator of Corporate, where one of the model's owners also sits."""
    owner = person("corp-owner", "data_scientist", units=(unit,))
    version.model.owners.add(owner)
    return signer_for("validation", units=(unit,))


def test_a_validator_outside_the_developing_units_signs_and_holders_inside_are_not_asked(ds, model, use_case, units):
    from tests.governance.conftest import MEDIUM_ANSWERS
    from tests.governance.helpers import LOW_ANSWERS, approve_assessment

    inside = person("retail-validator", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    outside = person("ops-validator", "review_board", "sign_off_validation", units=(units["OPS"],))
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    review = review_of(submit(ds, model))
    assert Notification.objects.filter(recipient=outside, subject__contains="Validation").exists()
    assert not Notification.objects.filter(recipient=inside, category="review").exists()
    assert [r.pk for r, _, _ in services_queue(outside)] == [review.pk]
    assert services_queue(inside) == []
    assert sign(outside, review).signer == outside


def services_queue(user):
    from governance.selectors import review_queue

    return review_queue(user=user)


def _expired(user):
    TrainingRecord.objects.create(user=user, completed_on=_in(-400), expires_on=_in(-35))
    return user


def test_a_wrong_password_counts_towards_the_lockout(pending, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    review, validator = review_of(pending), signer_for("validation")
    for attempt in range(3):
        with pytest.raises(NotAllowed, match="locked" if attempt == 2 else "wrong"):
            sign(validator, review, password="nope")
    assert AuditEvent.objects.filter(action="auth.login_failed", target_repr="signer-validation").count() == 3
    with pytest.raises(NotAllowed, match="locked"):
        sign(validator, review)  # even the right password: the account is locked
    assert not SignOff.objects.exists()


def test_one_decision_per_function_and_one_function_per_person(pending):
    review = review_of(pending)
    validator = signer_for("validation")
    sign(validator, review)
    with pytest.raises(Conflict, match="Validation has already decided"):
        sign(person("second-validator", "sign_off_validation"), review)
    validator.groups.add(*person("b-holder", "sign_off_business").groups.all())
    validator = type(validator).objects.get(pk=validator.pk)
    with pytest.raises(Conflict, match="another person must sign as Business"):
        sign(validator, review, function="business")
    assert SignOff.objects.count() == 1


def test_the_sign_off_records_meaning_digest_and_policy(pending):
    review = review_of(pending)
    signed = sign(signer_for("validation"), review)
    assert signed.meaning.startswith("I approve this model version for production use as Validation")
    assert signed.digest == services.reviews.content_digest(pending) and len(signed.digest) == 64
    assert signed.policy_version == review.policy_snapshot["version"] and signed.signer_name == "Signer-Validation"
    assert AuditEvent.objects.filter(action="review.signed", target_id=str(review.pk)).exists()


def test_the_last_approval_completes_the_review_and_the_gate_then_passes(pending, ds):
    review = review_of(pending)
    document(pending)  # the card and fairness gates are tested in test_cards_and_fairness.py
    chair = person("chair", "review_board")
    sign(signer_for("validation"), review)
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=chair, version=pending, to_stage=Stage.APPROVED)
    failed = {g["gate"]: g["detail"] for g in refused.value.details["failed_gates"]}
    assert "lacks the approval of: Business" in failed["review complete"]
    sign(signer_for("business"), review, function="business")
    review.refresh_from_db()
    assert review.status == "approved"
    assert Notification.objects.filter(recipient=ds, subject__contains="every sign-off").exists()
    lifecycle.model_version_transition(actor=chair, version=pending, to_stage=Stage.APPROVED)
    assert ModelVersion.objects.get(pk=pending.pk).stage == Stage.APPROVED


def test_a_rejection_closes_the_review_and_rejects_the_version(pending):
    review = review_of(pending)
    sign(signer_for("validation"), review, decision="reject", comment="Leakage: the label is in the features.")
    review.refresh_from_db()
    pending.refresh_from_db()
    assert review.status == "rejected" and pending.stage == Stage.REJECTED
    with pytest.raises(Conflict, match="rejected; nothing can be signed"):
        sign(signer_for("business"), review, function="business")


def test_a_material_change_after_sign_off_invalidates_it(pending):
    review = review_of(pending)
    sign_all(review)
    ModelVersion.objects.filter(pk=pending.pk).update(metrics={"auc": 0.95, "recall": 0.85})
    pending.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")
    assert "content changed after it was signed" in refused.value.message
    # Signers may sign the new content; the earlier signature stays in history, marked invalid.
    sign(signer_for("validation"), review)
    assert SignOff.objects.filter(function="validation", invalidated_at__isnull=False).count() == 1


def test_a_non_material_change_keeps_the_sign_offs(pending):
    sign_all(review_of(pending))
    ModelVersion.objects.filter(pk=pending.pk).update(submitted_by=person("someone", "data_scientist"))
    pending.refresh_from_db()
    lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")


def test_a_new_version_supersedes_open_reviews(pending, ds, model):
    review = review_of(pending)
    sign(signer_for("validation"), review)
    lifecycle.model_version_register(actor=ds, model=model, version="2", signature={"inputs": "x"})
    review.refresh_from_db()
    assert review.status == "superseded"
    kept = SignOff.objects.get(review=review)
    assert kept.invalidated_at is not None and "Superseded" in kept.invalidated_reason
    with pytest.raises(Conflict, match="superseded"):
        sign(signer_for("business"), review, function="business")


def test_thresholds_are_checked_on_the_version_metrics(ds, model, use_case):
    from tests.governance.conftest import MEDIUM_ANSWERS
    from tests.governance.helpers import LOW_ANSWERS, approve_assessment

    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    weak = submit(ds, model, metrics={"auc": 0.61})
    sign_all(review_of(weak))
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=person("chair", "review_board"), version=weak, to_stage="approved")
    failed = {g["gate"]: g["detail"] for g in refused.value.details["failed_gates"]}
    assert failed == {"metric thresholds met": "Metric thresholds not met: auc is 0.61, needs >= 0.7."}


def test_the_admin_shows_sign_offs_but_never_changes_them(pending, client):
    review = review_of(pending)
    signed = sign(signer_for("validation"), review)
    root = person("root", "platform_admin")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    assert client.get(f"/admin/governance/signoff/{signed.pk}/change/").status_code == 200  # read-only view
    posted = client.post(f"/admin/governance/signoff/{signed.pk}/change/", {"decision": "reject"})
    assert posted.status_code == 403
    assert client.post(f"/admin/governance/signoff/{signed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/governance/review/add/").status_code == 403
    signed.refresh_from_db()
    assert signed.decision == "approve"


def test_every_earlier_card_editor_and_dataset_linker_counts_as_a_contributor(pending, ds, model, units):
    from governance.services.reviews import contributor_ids
    from tests.governance.helpers import FULL_CARD

    editor = person("card-writer", "data_scientist", "review_board", "sign_off_business", units=(units["RETAIL"],))
    services.model_card_save(actor=editor, version=pending, **FULL_CARD)
    services.model_card_save(actor=ds, version=pending, **{**FULL_CARD, "limitations": "Rewritten by the owner."})
    with pytest.raises(NotAllowed, match="independent person must sign"):
        sign(editor, review_of(pending), function="business")
    linker = person("data-engineer", "data_scientist", units=(units["RETAIL"],))
    v2 = lifecycle.model_version_register(actor=ds, model=model, version="2", signature={"inputs": "x"})
    lifecycle.model_version_transition(actor=ds, version=v2, to_stage=Stage.IN_VALIDATION)
    record_training_data(v2, actor=linker)
    assert {editor.pk, linker.pk} <= contributor_ids(pending) | contributor_ids(v2)
    assert linker.pk in contributor_ids(v2) and editor.pk not in contributor_ids(v2)
