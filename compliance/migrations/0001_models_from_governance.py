"""The compliance app takes over tables governance created: its models are created in Django's state only, on
their existing tables (`db_table`), so no table is rewritten and no row is lost. The content types were
relabelled by governance 0017."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import compliance.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("governance", "0017_models_moved_to_compliance_and_sourcing"),
        ("lifecycle", "0010_dataset_privacy_revision_deployment_runtime"),
        ("portfolio", "0009_stop_loss_periods"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Control",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.CharField(max_length=20, unique=True)),
                        ("title", models.CharField(max_length=200)),
                        ("description", models.TextField(blank=True)),
                        ("applies_low", models.BooleanField(default=False)),
                        ("applies_medium", models.BooleanField(default=False)),
                        ("applies_high", models.BooleanField(default=True)),
                        ("applies_critical", models.BooleanField(default=True)),
                    ],
                    options={
                        "db_table": "governance_control",
                        "ordering": ["code"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="Framework",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.SlugField(max_length=40, unique=True)),
                        ("name", models.CharField(max_length=200)),
                        ("revision", models.CharField(max_length=60)),
                        ("summary", models.TextField(blank=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "governance_framework",
                        "ordering": ["name"],
                        "permissions": [
                            ("import_framework", "Can import a compliance framework or a new revision of one")
                        ],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="ExternalAudit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("auditor", models.CharField(max_length=200, verbose_name="audit firm")),
                        ("lead_auditor", models.CharField(max_length=200)),
                        ("scope", models.TextField()),
                        ("start_date", models.DateField()),
                        ("end_date", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("planned", "Planned"),
                                    ("fieldwork", "Fieldwork"),
                                    ("reported", "Reported"),
                                    ("closed", "Closed"),
                                ],
                                default="planned",
                                max_length=10,
                            ),
                        ),
                        ("report_link", models.URLField(blank=True, max_length=500)),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "use_cases",
                            models.ManyToManyField(blank=True, related_name="external_audits", to="portfolio.usecase"),
                        ),
                        (
                            "frameworks",
                            models.ManyToManyField(
                                blank=True, related_name="external_audits", to="compliance.framework"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_externalaudit",
                        "ordering": ["-start_date", "-pk"],
                        "permissions": [
                            ("manage_externalaudit", "Can record external audits, their findings and follow-ups")
                        ],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="AuditFinding",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reference", models.CharField(max_length=40)),
                        (
                            "severity",
                            models.CharField(
                                choices=[
                                    ("low", "Low"),
                                    ("medium", "Medium"),
                                    ("high", "High"),
                                    ("critical", "Critical"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("description", models.TextField()),
                        ("due_date", models.DateField()),
                        ("risk_accepted_reason", models.TextField(blank=True)),
                        ("risk_accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "risk_accepted_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "audit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="findings",
                                to="compliance.externalaudit",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_auditfinding",
                        "ordering": ["audit", "reference"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="FollowUp",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("description", models.TextField()),
                        ("due_date", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("done", "Done")], default="open", max_length=4
                            ),
                        ),
                        ("completion_note", models.TextField(blank=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "completed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "finding",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="follow_ups",
                                to="compliance.auditfinding",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "follow-up",
                        "db_table": "governance_followup",
                        "ordering": ["due_date", "pk"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="Requirement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reference", models.CharField(max_length=60)),
                        ("title", models.CharField(max_length=200)),
                        ("summary", models.TextField(blank=True)),
                        ("withdrawn", models.BooleanField(default=False)),
                        (
                            "framework",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="requirements",
                                to="compliance.framework",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_requirement",
                        "ordering": ["framework", "pk"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="ControlRequirement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "control",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="requirement_links",
                                to="compliance.control",
                            ),
                        ),
                        (
                            "requirement",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="control_links",
                                to="compliance.requirement",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_controlrequirement",
                        "ordering": ["control", "requirement"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.AddField(
                    model_name="control",
                    name="requirements",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="controls",
                        through="compliance.ControlRequirement",
                        to="compliance.requirement",
                    ),
                ),
                migrations.CreateModel(
                    name="Evidence",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("file", "File"), ("link", "Link"), ("text", "Text")], max_length=10
                            ),
                        ),
                        (
                            "file",
                            models.FileField(
                                blank=True,
                                max_length=300,
                                storage=compliance.models.evidence_storage,
                                upload_to="%Y/%m/",
                            ),
                        ),
                        ("filename", models.CharField(blank=True, max_length=200)),
                        ("size", models.PositiveIntegerField(default=0)),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("url", models.URLField(blank=True, max_length=500)),
                        ("text", models.TextField(blank=True)),
                        ("description", models.CharField(blank=True, max_length=300)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("submitted", "Submitted"),
                                    ("accepted", "Accepted"),
                                    ("rejected", "Rejected"),
                                ],
                                default="submitted",
                                max_length=10,
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("review_comment", models.TextField(blank=True)),
                        ("expires_on", models.DateField(blank=True, null=True)),
                        ("stale", models.BooleanField(default=False)),
                        ("stale_reason", models.CharField(blank=True, max_length=300)),
                        (
                            "control",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="evidence",
                                to="compliance.control",
                            ),
                        ),
                        (
                            "reviewer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "submitted_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "use_case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_evidence",
                                to="portfolio.usecase",
                            ),
                        ),
                        (
                            "version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_evidence",
                                to="lifecycle.modelversion",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "evidence",
                        "db_table": "governance_evidence",
                        "ordering": ["-created_at", "-pk"],
                        "permissions": [("review_evidence", "Can accept or reject compliance evidence")],
                        "default_permissions": ("add", "view"),
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind", "file"), models.Q(("file", ""), _negated=True)),
                                    models.Q(("kind", "link"), models.Q(("url", ""), _negated=True)),
                                    models.Q(("kind", "text"), models.Q(("text", ""), _negated=True)),
                                    _connector="OR",
                                ),
                                name="governance_evidence_content_of_its_kind",
                                violation_error_message="Evidence needs the file, link or text of its kind.",
                            )
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="auditfinding",
                    constraint=models.UniqueConstraint(
                        fields=("audit", "reference"), name="governance_auditfinding_unique_reference"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="followup",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("status", "open"), models.Q(("completion_note", ""), _negated=True), _connector="OR"
                        ),
                        name="governance_followup_done_with_note",
                        violation_error_message="A follow-up is done with a note of what was done.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="externalaudit",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("end_date__gte", models.F("start_date"))),
                        name="governance_externalaudit_ends_after_start",
                        violation_error_message="An audit ends on or after its start date.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="requirement",
                    constraint=models.UniqueConstraint(
                        fields=("framework", "reference"), name="governance_requirement_unique_reference"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="controlrequirement",
                    constraint=models.UniqueConstraint(
                        fields=("control", "requirement"), name="governance_controlrequirement_unique_pair"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
