"""The classification of answer sets: EU AI Act category, internal tier, and the reasons given."""

import pytest

from governance.classification import classify
from governance.questionnaire import ANNEX_III_AREAS, PROHIBITED_PRACTICES
from tests.governance.helpers import LOW_ANSWERS


def answers(**changes):
    return {**LOW_ANSWERS, **changes}


@pytest.mark.parametrize(
    ("given", "category", "tier", "reason"),
    [
        (answers(), "minimal", "low", "minimal risk"),
        (answers(interacts_with_people=True), "limited", "low", "transparency duties"),
        (answers(prohibited_practices=["social_scoring"]), "prohibited", "critical", "Social scoring"),
        (
            answers(prohibited_practices=["emotion_workplace"], annex_iii_areas=["employment"]),
            "prohibited",
            "critical",
            "Emotion recognition in the workplace",
        ),
        (answers(annex_iii_areas=["credit"]), "high", "high", "at least in the high tier"),
        (
            answers(annex_iii_areas=["employment"], personal_data="special_category"),
            "high",
            "critical",
            "special-category data: critical",
        ),
        (answers(personal_data="personal", scale="large"), "minimal", "medium", "Risk score 3 gives the medium"),
        (
            answers(personal_data="personal", scale="large", financial_impact="high", reputational_impact="medium"),
            "minimal",
            "high",
            "Risk score 6 gives the high",
        ),
        (answers(safety_impact="serious"), "minimal", "critical", "seriously harm health"),
        (
            answers(autonomy="automated", reversibility="irreversible"),
            "minimal",
            "critical",
            "irreversible harm: critical",
        ),
        (answers(affected=["minors"], scale="medium"), "minimal", "medium", "Minors are affected (+2)"),
    ],
)
def test_answer_sets_classify_with_their_reasons(given, category, tier, reason):
    result = classify(given)
    assert (result.eu_category, result.tier) == (category, tier)
    assert any(reason in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(("area", "label"), ANNEX_III_AREAS)
def test_every_annex_iii_area_is_high_risk(area, label):
    result = classify(answers(annex_iii_areas=[area]))
    assert result.eu_category == "high" and result.tier in ("high", "critical")
    assert f"High-risk area: {label}." in result.reasons


@pytest.mark.parametrize(("practice", "label"), PROHIBITED_PRACTICES)
def test_every_prohibited_practice_is_prohibited(practice, label):
    result = classify(answers(prohibited_practices=[practice]))
    assert result.prohibited and result.tier == "critical"
    assert f"Prohibited practice: {label}." in result.reasons
