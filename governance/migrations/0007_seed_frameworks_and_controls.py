from django.db import migrations

from compliance.frameworks import CONTROLS, FRAMEWORKS


def seed(apps, schema_editor):
    Framework = apps.get_model("governance", "Framework")
    Requirement = apps.get_model("governance", "Requirement")
    Control = apps.get_model("governance", "Control")
    ControlRequirement = apps.get_model("governance", "ControlRequirement")
    requirements = {}
    for code, name, revision, summary, rows in FRAMEWORKS:
        framework, _ = Framework.objects.get_or_create(
            code=code, defaults={"name": name, "revision": revision, "summary": summary}
        )
        for reference, title, text in rows:
            requirement, _ = Requirement.objects.get_or_create(
                framework=framework, reference=reference, defaults={"title": title, "summary": text}
            )
            requirements[code, reference] = requirement
    for code, title, description, tiers, mapping in CONTROLS:
        control, _ = Control.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "description": description,
                **{f"applies_{tier}": tier in tiers for tier in ("low", "medium", "high", "critical")},
            },
        )
        for framework_code, references in mapping.items():
            for reference in references:
                ControlRequirement.objects.get_or_create(
                    control=control, requirement=requirements[framework_code, reference]
                )


class Migration(migrations.Migration):
    dependencies = [("governance", "0006_compliance")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
