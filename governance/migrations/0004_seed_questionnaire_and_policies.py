from django.db import migrations

from governance.questionnaire import QUESTIONNAIRE_V1

CARD_ALL = [
    "intended_use",
    "out_of_scope_uses",
    "users_affected",
    "training_data",
    "evaluation_data",
    "metrics",
    "fairness",
    "explainability",
    "limitations",
    "human_oversight",
]
# tier: functions, thresholds, card sections, bias, validity, reassessment, decommission notice (days)
POLICIES = {
    "critical": (
        ["validation", "risk", "compliance", "legal", "security", "ethics", "business"],
        [{"metric": "auc", "operator": ">=", "value": 0.8}, {"metric": "recall", "operator": ">=", "value": 0.8}],
        CARD_ALL,
        True,
        180,
        180,
        90,
    ),
    "high": (
        ["validation", "risk", "compliance", "business"],
        [{"metric": "auc", "operator": ">=", "value": 0.75}, {"metric": "recall", "operator": ">=", "value": 0.7}],
        CARD_ALL,
        True,
        180,
        365,
        60,
    ),
    "medium": (
        ["validation", "business"],
        [{"metric": "auc", "operator": ">=", "value": 0.7}],
        ["intended_use", "training_data", "metrics", "limitations"],
        False,
        365,
        365,
        30,
    ),
    "low": (["validation"], [], ["intended_use", "limitations"], False, 730, 730, 14),
}


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("governance", "Questionnaire")
    ReviewPolicy = apps.get_model("governance", "ReviewPolicy")
    questions = [{**q, "options": [list(o) for o in q.get("options", [])]} for q in QUESTIONNAIRE_V1["questions"]]
    Questionnaire.objects.get_or_create(
        version=QUESTIONNAIRE_V1["version"], defaults={"title": QUESTIONNAIRE_V1["title"], "questions": questions}
    )
    for tier, (functions, thresholds, sections, bias, validity, cadence, notice) in POLICIES.items():
        ReviewPolicy.objects.get_or_create(
            tier=tier,
            version=1,
            defaults={
                "required_functions": functions,
                "metric_thresholds": thresholds,
                "model_card_sections": sections,
                "bias_assessment_required": bias,
                "approval_validity_days": validity,
                "reassessment_cadence_days": cadence,
                "decommission_notice_days": notice,
                "reason": "Default policy.",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_assessments_policies_reviews")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
