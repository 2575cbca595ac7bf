"""Frameworks, controls, evidence and external audits move to the compliance app; vendors, technology
evaluations and standards to the sourcing app. Only Django's state changes here: the tables stay where they
are, under their names, with their rows (the new apps' first migrations take them over with `db_table`).

The content types of the moved models are relabelled, so Permission rows, object permissions (guardian) and
notifications keep pointing at the same rows. Audit events keep the label they were written with (the trail
is never rewritten): audit.labels maps a former label to the new one for the readers."""

from django.db import migrations

MOVED = {
    "compliance": (
        "framework",
        "requirement",
        "control",
        "controlrequirement",
        "evidence",
        "externalaudit",
        "auditfinding",
        "followup",
    ),
    "sourcing": ("vendor", "suppliedmodel", "technologyevaluation", "sandboxtrial", "approvedstandard"),
}


def _relabel(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        source, target = ("governance", app) if forward else (app, "governance")
        for model in models:
            # A row already under the target label (created by a run that stopped half-way) keeps its id;
            # the source row is then left alone rather than merged.
            if not ContentType.objects.filter(app_label=target, model=model).exists():
                ContentType.objects.filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


def relabel_content_types(apps, schema_editor):
    _relabel(apps, forward=True)


def restore_content_types(apps, schema_editor):
    _relabel(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("governance", "0016_policy_promotes_and_training_reminders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="auditfinding",
                    name="audit",
                ),
                migrations.RemoveField(
                    model_name="auditfinding",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="auditfinding",
                    name="risk_accepted_by",
                ),
                migrations.RemoveField(
                    model_name="followup",
                    name="finding",
                ),
                migrations.RemoveField(
                    model_name="control",
                    name="requirements",
                ),
                migrations.RemoveField(
                    model_name="controlrequirement",
                    name="control",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="control",
                ),
                migrations.RemoveField(
                    model_name="controlrequirement",
                    name="requirement",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="reviewer",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="submitted_by",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="use_case",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="version",
                ),
                migrations.RemoveField(
                    model_name="externalaudit",
                    name="closed_by",
                ),
                migrations.RemoveField(
                    model_name="externalaudit",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="externalaudit",
                    name="frameworks",
                ),
                migrations.RemoveField(
                    model_name="externalaudit",
                    name="use_cases",
                ),
                migrations.RemoveField(
                    model_name="followup",
                    name="completed_by",
                ),
                migrations.RemoveField(
                    model_name="followup",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="requirement",
                    name="framework",
                ),
                migrations.RemoveField(
                    model_name="sandboxtrial",
                    name="closed_by",
                ),
                migrations.RemoveField(
                    model_name="sandboxtrial",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="sandboxtrial",
                    name="evaluation",
                ),
                migrations.RemoveField(
                    model_name="suppliedmodel",
                    name="linked_by",
                ),
                migrations.RemoveField(
                    model_name="suppliedmodel",
                    name="model",
                ),
                migrations.RemoveField(
                    model_name="suppliedmodel",
                    name="vendor",
                ),
                migrations.RemoveField(
                    model_name="technologyevaluation",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="technologyevaluation",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="technologyevaluation",
                    name="vendor",
                ),
                migrations.DeleteModel(
                    name="ApprovedStandard",
                ),
                migrations.DeleteModel(
                    name="AuditFinding",
                ),
                migrations.DeleteModel(
                    name="Control",
                ),
                migrations.DeleteModel(
                    name="ControlRequirement",
                ),
                migrations.DeleteModel(
                    name="Evidence",
                ),
                migrations.DeleteModel(
                    name="ExternalAudit",
                ),
                migrations.DeleteModel(
                    name="FollowUp",
                ),
                migrations.DeleteModel(
                    name="Framework",
                ),
                migrations.DeleteModel(
                    name="Requirement",
                ),
                migrations.DeleteModel(
                    name="SandboxTrial",
                ),
                migrations.DeleteModel(
                    name="SuppliedModel",
                ),
                migrations.DeleteModel(
                    name="TechnologyEvaluation",
                ),
                migrations.DeleteModel(
                    name="Vendor",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
