"""Model cards (completeness, the gate, the Markdown export, audited edits) and bias assessments (numbers
computed by hand, every bad file refused in words, the gate)."""

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from governance import cards, services
from governance.models import BiasAssessment, ModelCard, Review
from lifecycle import gates
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from tests.governance.helpers import FAIR_CSV, FULL_CARD, PASSWORD, person, provide_test_evidence, signer_for

# 20 rows, one protected attribute. Group A: 4 TP, 1 FN, 2 FP, 3 TN. Group B: 2 TP, 3 FN, 1 FP, 4 TN.
ROWS = [("1", "1")] * 4 + [("1", "0")] + [("0", "1")] * 2 + [("0", "0")] * 3
ROWS_B = [("1", "1")] * 2 + [("1", "0")] * 3 + [("0", "1")] + [("0", "0")] * 4
FIXTURE = ("label,prediction,group\n" + "".join(f"{y},{p},A\n" for y, p in ROWS)).encode() + "".join(
    f"{y},{p},B\n" for y, p in ROWS_B
).encode()
# By hand: A selects 6/10, TPR 4/5, FPR 2/5, precision 4/6; B selects 3/10, TPR 2/5, FPR 1/5, precision 2/3.
# Disparate impact of B = 0.3 / 0.6 = 0.5; equal opportunity difference = 0.4 - 0.8 = -0.4.
EXPECTED = {
    "A": {"count": 10, "selection_rate": 0.6, "tpr": 0.8, "fpr": 0.4, "precision": 4 / 6, "disparate_impact": 1.0},
    "B": {"count": 10, "selection_rate": 0.3, "tpr": 0.4, "fpr": 0.2, "precision": 2 / 3, "disparate_impact": 0.5},
}


def assess(ds, version, data=FIXTURE, groups=None):
    return services.bias_assessment_create(
        actor=ds, version=version, data=data, file_name="p.csv", reference_groups=groups or {"group": "A"}
    )


def sign_everything(version):
    """Every sign-off and the required test evidence: only the card and fairness gates are left to the test."""
    provide_test_evidence(version)
    review = Review.objects.get(version=version, status="open")
    for function in review.required_functions:
        services.sign_off_record(
            actor=signer_for(function), review=review, function=function, decision="approve", password=PASSWORD
        )


def failed_gates(version, stage=Stage.APPROVED) -> dict:
    return {r.gate: r.detail for r in gates.run(version=version, to_stage=stage) if not r.passed}


# --- Fairness --------------------------------------------------------------------------------------------


def test_fairness_numbers_match_the_hand_computed_fixture(ds, pending):
    assessment = assess(ds, pending)
    groups = {g["group"]: g for g in assessment.results["group"]["groups"]}
    for name, expected in EXPECTED.items():
        for key, value in expected.items():
            assert groups[name][key] == pytest.approx(value), (name, key)
    assert groups["B"]["equal_opportunity_difference"] == pytest.approx(-0.4)
    assert groups["A"]["reference"] and not groups["B"]["reference"]
    assert assessment.row_count == 20 and not assessment.passed
    assert assessment.thresholds == [{"metric": "disparate_impact", "operator": ">=", "value": 0.8}]
    assert assessment.failures == ["group=B: disparate impact 0.500, needs >= 0.8 (reference A)"]
    event = AuditEvent.objects.get(action="bias_assessment.created")
    assert event.changes["passed"] == [None, False]


def test_the_policy_threshold_decides_the_verdict(ds, pending):
    admin = person("root", "platform_admin")
    services.review_policy_update(
        actor=admin,
        tier="medium",
        reason="fairness",
        metric_thresholds=[
            {"metric": "auc", "operator": ">=", "value": 0.7},
            {"metric": "disparate_impact", "operator": ">=", "value": 0.45},
            {"metric": "equal_opportunity_difference", "operator": ">=", "value": -0.5},
        ],
    )
    assert assess(ds, pending).passed
    # The fairness rows are judged per group by the assessment, not against the run's metrics.
    assert "metric thresholds met" not in failed_gates(pending)


BAD_FILES = [
    (b"label,prediction\n1,1\n0,1\n", {"group": "A"}, "missing column group"),
    (b"label,prediction,group\n", {"group": "A"}, "no rows"),
    (b"", {"group": "A"}, "the file is empty"),
    (b"label,prediction,group\n1,1,A\n0,0,A\n", {"group": "A"}, "group has one group only"),
    (b"label,prediction,group\n1,1,A\n2,0,B\n", {"group": "A"}, "label must be binary"),
    (b"label,prediction,group\n1,0.7,A\n0,yes,B\n", {"group": "A"}, "prediction must be binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", {"group": "A"}, "not a CSV"),
    (b"label,prediction,group\n\xff\xfe1,1,A\n", {"group": "A"}, "not UTF-8"),
    (b'label,prediction,group\n1,1,"A\n', {"group": "A"}, "not a readable CSV"),
    (FIXTURE, {"group": "C"}, "'C' is not a group of group"),
    (FIXTURE, {}, "at least one protected attribute"),
    (b"label,prediction,group\n1,0,A\n0,1,B\n", {"group": "A"}, "has no positive prediction"),
]


@pytest.mark.parametrize(("data", "groups", "message"), BAD_FILES, ids=lambda x: x if isinstance(x, str) else "")
def test_bad_files_are_refused_with_the_problem_named(ds, pending, data, groups, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        services.bias_assessment_create(
            actor=ds, version=pending, data=data, file_name="p.csv", reference_groups=groups
        )
    assert refused.value.status_code == 400
    assert not BiasAssessment.objects.exists()


def test_a_file_over_the_limit_is_refused(ds, pending, settings):
    from governance import fairness

    big = b"label,prediction,group\n" + b"1,1,A\n0,0,B\n" * (fairness.MAX_BYTES // 12 + 1)
    with pytest.raises(ApplicationError, match="larger than the limit of 20 MB"):
        assess(ds, pending, data=big)


def test_the_bias_gate_alone_blocks_approval_until_an_assessment_passes(ds, pending):
    admin = person("root", "platform_admin")
    services.review_policy_update(actor=admin, tier="medium", reason="fairness", bias_assessment_required=True)
    services.model_card_save(actor=ds, version=pending, **FULL_CARD)
    sign_everything(pending)
    assert set(failed_gates(pending)) == {"bias assessment passed"}
    assert "requires a bias assessment" in failed_gates(pending)["bias assessment passed"]
    assess(ds, pending)
    assert failed_gates(pending) == {
        "bias assessment passed": f"Bias assessment #{BiasAssessment.objects.get().pk} failed: "
        "group=B: disparate impact 0.500, needs >= 0.8 (reference A)."
    }
    with pytest.raises(Conflict, match="Bias assessment"):
        lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")
    assess(ds, pending, data=FAIR_CSV, groups={"group": "a"})
    lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")


# --- Model cards ----------------------------------------------------------------------------------------


def test_completeness_per_section_and_overall(ds, pending):
    states = {s.key: s.state for s in cards.sections(None, pending)}
    # Nothing written yet: the run's metrics and the training lineage make two sections partial.
    assert states["metrics"] == "partial" and states["training_data"] == "partial"
    assert {k for k, v in states.items() if v != "empty"} == {"metrics", "training_data"}
    assert cards.completeness(None, pending) == round(100 * 1 / 11)
    card = services.model_card_save(
        actor=ds, version=pending, intended_use="Flag fraud.", explainability_method="shap", metrics_notes="By region."
    )
    states = {s.key: s.state for s in cards.sections(card, pending)}
    assert states["intended_use"] == "complete" and states["metrics"] == "complete"
    assert states["explainability"] == "partial" and states["limitations"] == "empty"
    assert cards.completeness(card, pending) == round(100 * (2 + 0.5 * 2) / 11)
    full = services.model_card_save(actor=ds, version=pending, **FULL_CARD)
    assert cards.completeness(full, pending) == 100


def test_the_card_gate_alone_blocks_approval_and_production(ds, pending):
    sign_everything(pending)
    services.model_card_save(actor=ds, version=pending, **{**FULL_CARD, "limitations": ""})
    failed = failed_gates(pending)
    assert set(failed) == {"model card complete"}  # medium: intended use, training data, metrics, limitations
    assert "Limitations and caveats (empty: needs the text)" in failed["model card complete"]
    assert "model card complete" in failed_gates(pending, Stage.PRODUCTION)
    with pytest.raises(Conflict, match="model card is incomplete"):
        lifecycle.model_version_transition(actor=person("chair", "review_board"), version=pending, to_stage="approved")
    services.model_card_save(actor=ds, version=pending, limitations="Not for business cards.")
    assert failed_gates(pending) == {}


def test_card_edits_are_audited_with_before_and_after(ds, pending):
    services.model_card_save(actor=ds, version=pending, intended_use="Flag fraud.")
    services.model_card_save(actor=ds, version=pending, intended_use="Flag card fraud.", limitations="")
    services.model_card_save(actor=ds, version=pending, intended_use="Flag card fraud.")  # no change: no event
    created, changed = AuditEvent.objects.filter(action__startswith="model_card.").order_by("seq")
    assert created.action == "model_card.created" and created.changes["intended_use"] == [None, "Flag fraud."]
    assert changed.action == "model_card.changed"
    assert changed.changes == {"intended_use": ["Flag fraud.", "Flag card fraud."]}
    assert ModelCard.objects.get().updated_by == ds


def test_card_edits_are_validated_and_reserved_to_the_unit(ds, pending, units):
    with pytest.raises(ApplicationError, match="explainability_method: use one of"):
        services.model_card_save(actor=ds, version=pending, explainability_method="magic")
    with pytest.raises(ApplicationError, match="not part of a model card: digest"):
        services.model_card_save(actor=ds, version=pending, digest="0" * 64)
    stranger = person("corp-ds", "data_scientist", units=(units["CORP"],))
    with pytest.raises(NotAllowed):
        services.model_card_save(actor=stranger, version=pending, intended_use="Mine now.")
    with pytest.raises(NotAllowed):
        assess(stranger, pending)
    assert not ModelCard.objects.exists() and not BiasAssessment.objects.exists()


def test_a_card_edit_does_not_change_the_content_digest(ds, pending):
    from governance.digest import content_digest

    before = content_digest(pending)
    services.model_card_save(actor=ds, version=pending, **FULL_CARD)
    assert content_digest(pending) == before


def test_the_markdown_export_holds_the_card_and_what_mlflow_recorded(ds, pending):
    card = services.model_card_save(actor=ds, version=pending, **{**FULL_CARD, "assumptions": ""})
    assessment = assess(ds, pending)
    text = cards.markdown(card, pending, bias_assessments=[assessment])
    assert text.startswith("# Model card: fraud-scorer v1\n")
    assert "## Intended use\n\n_Complete_\n\nScore transactions for analysts to review." in text
    assert "## Assumptions\n\n_Empty_" in text
    assert "| auc | 0.91 |" in text and "| recall | 0.85 |" in text
    assert "Method: SHAP" in text
    assert f"Bias assessment #{assessment.pk}" in text and "**fail**" in text
    assert "- inputs: `[amount]`" in text
    assert f"- Content digest: `{pending.digest}`" in text
    assert f"- Completeness: {cards.completeness(card, pending)}%" in text


def test_a_new_card_starts_from_what_lodestar_knows(pending):
    initial = cards.card_initial(pending)
    assert initial["intended_use"] == "Flag card fraud."
    assert initial["training_data"].startswith("- test.training_data (training data")


def test_a_policy_cannot_require_a_section_no_card_has(db):
    admin = person("root", "platform_admin")
    with pytest.raises(ApplicationError, match="unknown section intended_usage"):
        services.review_policy_update(
            actor=admin, tier="low", reason="typo", model_card_sections=["intended_usage", "limitations"]
        )
    policy = services.review_policy_update(
        actor=admin, tier="low", reason="more", model_card_sections=["limitations", "assumptions", "limitations"]
    )
    assert policy.model_card_sections == ["limitations", "assumptions"]  # card order, no duplicates
