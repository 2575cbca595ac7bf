from django.db import migrations

RUBRIC = {
    "roi": (
        "Return on investment",
        3,
        True,
        "manual",
        [
            "Value below cost",
            "Pays back in 3+ years",
            "Pays back in 2 years",
            "Pays back within a year",
            "Pays back within a quarter",
        ],
    ),
    "strategic_alignment": (
        "Strategic alignment",
        3,
        True,
        "manual",
        [
            "Serves no objective",
            "Indirectly serves one objective",
            "Directly serves one objective",
            "Moves a KPI of an objective",
            "Moves several KPIs of top objectives",
        ],
    ),
    "data_readiness": (
        "Data readiness",
        2,
        True,
        "manual",
        [
            "No data source identified",
            "Sources known, no access",
            "Access agreed, poor quality",
            "Access agreed, usable quality",
            "Clean, governed data in place",
        ],
    ),
    "integration_complexity": (
        "Integration complexity",
        2,
        False,
        "manual",
        [
            "Stand-alone",
            "One modern API",
            "Several modern systems",
            "One legacy core system",
            "Several legacy core systems",
        ],
    ),
    "risk": (
        "Risk",
        2,
        False,
        "risk_tier",
        ["Minimal risk", "Limited risk", "Moderate risk", "High risk", "Critical risk"],
    ),
    "time_to_value": (
        "Time to value",
        1,
        False,
        "manual",
        ["Under 3 months", "3 to 6 months", "6 to 12 months", "12 to 24 months", "Over 24 months"],
    ),
}


def seed(apps, schema_editor):
    ScoringCriterion = apps.get_model("portfolio", "ScoringCriterion")
    for key, (name, weight, higher, source, levels) in RUBRIC.items():
        ScoringCriterion.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "weight": weight,
                "higher_is_better": higher,
                "source": source,
                "rubric": {str(i + 1): text for i, text in enumerate(levels)},
            },
        )


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0002_strategy_intake_scoring")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
