"""The sourcing app takes over tables governance created: its models are created in Django's state only, on
their existing tables (`db_table`), so no table is rewritten and no row is lost. The content types were
relabelled by governance 0017."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("governance", "0017_models_moved_to_compliance_and_sourcing"),
        ("lifecycle", "0010_dataset_privacy_revision_deployment_runtime"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Vendor",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "services",
                            models.TextField(
                                blank=True, help_text="What the vendor supplies: models, APIs, platforms."
                            ),
                        ),
                        (
                            "due_diligence",
                            models.CharField(
                                choices=[
                                    ("not_started", "Not started"),
                                    ("in_progress", "In progress"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                ],
                                default="not_started",
                                max_length=12,
                                verbose_name="due-diligence status",
                            ),
                        ),
                        (
                            "data_ownership_clause",
                            models.TextField(blank=True, help_text="Who owns inputs, outputs and fine-tunes."),
                        ),
                        (
                            "data_handling_clause",
                            models.TextField(blank=True, help_text="Retention, residency, use for training."),
                        ),
                        (
                            "lock_in_risk",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                default="medium",
                                max_length=10,
                            ),
                        ),
                        ("exit_strategy", models.TextField(blank=True)),
                        ("data_portability", models.TextField(blank=True)),
                        ("last_assessed_on", models.DateField(blank=True, null=True)),
                        ("notes", models.TextField(blank=True)),
                    ],
                    options={
                        "db_table": "governance_vendor",
                        "ordering": ["name"],
                        "permissions": [("manage_vendor", "Can record vendors and the models they supply")],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="TechnologyEvaluation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("name", models.CharField(max_length=200)),
                        (
                            "category",
                            models.CharField(
                                choices=[
                                    ("ml_platform", "ML platform"),
                                    ("feature_store", "Feature store"),
                                    ("llm_api", "LLM / API"),
                                    ("monitoring", "Monitoring"),
                                    ("labelling", "Labelling"),
                                    ("other", "Other"),
                                ],
                                default="other",
                                max_length=20,
                            ),
                        ),
                        (
                            "summary",
                            models.TextField(blank=True, help_text="What is evaluated and the need it answers."),
                        ),
                        (
                            "build_or_buy",
                            models.CharField(
                                choices=[("build", "Build"), ("buy", "Buy")],
                                default="buy",
                                max_length=5,
                                verbose_name="build or buy",
                            ),
                        ),
                        (
                            "licence_model",
                            models.CharField(
                                choices=[("open_source", "Open source"), ("commercial", "Commercial")],
                                default="commercial",
                                max_length=12,
                            ),
                        ),
                        (
                            "one_off_cost",
                            models.DecimalField(
                                decimal_places=2, default=0, max_digits=14, verbose_name="one-off cost"
                            ),
                        ),
                        ("annual_cost", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                        (
                            "annual_benefit",
                            models.DecimalField(
                                decimal_places=2, default=0, max_digits=14, verbose_name="expected annual benefit"
                            ),
                        ),
                        (
                            "lock_in_risk",
                            models.CharField(
                                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                default="medium",
                                max_length=10,
                            ),
                        ),
                        (
                            "lock_in_notes",
                            models.TextField(
                                blank=True, help_text="Proprietary formats, APIs, contract terms, exit cost."
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("proposed", "Proposed"), ("in_trial", "In trial"), ("decided", "Decided")],
                                default="proposed",
                                max_length=10,
                            ),
                        ),
                        (
                            "decision",
                            models.CharField(
                                blank=True,
                                choices=[("adopt", "Adopt"), ("reject", "Reject"), ("defer", "Defer")],
                                max_length=6,
                            ),
                        ),
                        ("rationale", models.TextField(blank=True)),
                        (
                            "trial_waiver",
                            models.TextField(
                                blank=True, help_text="Why the technology was adopted without a passed sandbox trial."
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
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
                        (
                            "vendor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="evaluations",
                                to="sourcing.vendor",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_technologyevaluation",
                        "ordering": ["name", "pk"],
                        "permissions": [
                            ("manage_evaluation", "Can record technology evaluations and their sandbox trials"),
                            ("decide_evaluation", "Can decide to adopt, reject or defer an evaluated technology"),
                        ],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="ApprovedStandard",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("standard", "Standard"),
                                    ("reference_architecture", "Reference architecture"),
                                ],
                                default="standard",
                                max_length=24,
                            ),
                        ),
                        ("description", models.TextField()),
                        ("link", models.URLField(blank=True, max_length=500)),
                        (
                            "status",
                            models.CharField(
                                choices=[("approved", "Approved"), ("retired", "Retired")],
                                default="approved",
                                max_length=10,
                            ),
                        ),
                        ("approved_at", models.DateTimeField()),
                        ("review_date", models.DateField()),
                        ("retired_at", models.DateTimeField(blank=True, null=True)),
                        ("retirement_reason", models.TextField(blank=True)),
                        (
                            "approved_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "retired_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "evaluation",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="standards",
                                to="sourcing.technologyevaluation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_approvedstandard",
                        "ordering": ["name"],
                        "permissions": [
                            ("approve_standard", "Can approve or retire standards and reference architectures")
                        ],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="SuppliedModel",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("linked_at", models.DateTimeField(auto_now=True)),
                        (
                            "linked_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "model",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="supplier_link",
                                to="lifecycle.aimodel",
                            ),
                        ),
                        (
                            "vendor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="supplies",
                                to="sourcing.vendor",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_suppliedmodel",
                        "ordering": ["model__name"],
                        "default_permissions": ("view",),
                    },
                ),
                migrations.CreateModel(
                    name="SandboxTrial",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("start", models.DateField()),
                        ("end", models.DateField()),
                        ("goals", models.TextField()),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[("pass", "Pass"), ("fail", "Fail"), ("inconclusive", "Inconclusive")],
                                max_length=12,
                            ),
                        ),
                        ("findings", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
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
                            "evaluation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="trials",
                                to="sourcing.technologyevaluation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_sandboxtrial",
                        "ordering": ["-start", "-pk"],
                        "default_permissions": ("view",),
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("end__gt", models.F("start"))),
                                name="governance_sandboxtrial_end_after_start",
                                violation_error_message="A trial ends after it starts.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("outcome", ""), models.Q(("findings", ""), _negated=True), _connector="OR"
                                ),
                                name="governance_sandboxtrial_closed_with_findings",
                                violation_error_message="A closed trial records its findings.",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="technologyevaluation",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("one_off_cost__gte", 0), ("annual_cost__gte", 0), ("annual_benefit__gte", 0)
                        ),
                        name="governance_technologyevaluation_amounts_not_negative",
                        violation_error_message="Costs and benefit are amounts of zero or more.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="technologyevaluation",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("status", "decided"),
                                models.Q(("decision", ""), _negated=True),
                                models.Q(("rationale", ""), _negated=True),
                            ),
                            models.Q(models.Q(("status", "decided"), _negated=True), ("decision", "")),
                            _connector="OR",
                        ),
                        name="governance_technologyevaluation_decided_with_rationale",
                        violation_error_message="A decided evaluation has a decision and its rationale.",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
