"""Demo inventory: models for the demo portfolio's use cases, with versions in several stages.

Registered by hand (not from MLflow) so the demo needs no MLflow content; versions registered from
MLflow come through `POST /api/v1/model-versions/import/`."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.permissions import holders_of_perm
from lifecycle import datasets, decommissioning, policies, services
from lifecycle.choices import Stage
from lifecycle.models import AIModel, Dataset

SIGNATURE = {"inputs": '[{"name": "features", "type": "tensor"}]', "outputs": '[{"type": "double"}]'}
# Path of stages each demo model's latest version walks; earlier versions end deprecated.
PATHS = {
    "live": [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.PRODUCTION],
    "in_delivery": [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL],
    "approved": [Stage.IN_VALIDATION],
}


@transaction.atomic
def seed(*, before_approval=None) -> None:
    """`before_approval(version)` runs before each move to approved (the governance demo signs the
    review there), so the demo passes the same gates as everyone else."""
    if AIModel.objects.exists():
        return
    from portfolio.models import UseCase

    ds, ds2, reviewer = (User.objects.get(username=name) for name in ("ds", "ds2", "rb"))
    rng = random.Random(17)
    training_data = seed_datasets(ds=ds, ds2=ds2, reviewer=reviewer)
    # A retired use case's model went live once; seed_decommissioning retires it through the workflow.
    retired = UseCase.objects.filter(status="retired").order_by("number")[:1]
    for use_case in [*UseCase.objects.filter(status__in=PATHS).order_by("number")[:12], *retired]:
        name = use_case.title.lower().replace(" ", "-").replace("&", "and")[:60]
        owner = ds if use_case.business_unit.code == "RETAIL" else ds2
        model = services.model_register(
            actor=owner,
            name=name,
            use_case=use_case,
            model_type=rng.choice(["gradient boosting", "transformer", "logistic regression", "random forest"]),
        )
        versions = 2 if use_case.status in ("live", "retired") else 1
        for number in range(1, versions + 1):
            version = services.model_version_register(
                actor=owner,
                model=model,
                version=str(number),
                signature=SIGNATURE,
                framework="scikit-learn",
                metrics={"auc": round(rng.uniform(0.78, 0.93), 3), "recall": round(rng.uniform(0.7, 0.9), 3)},
                params={"max_depth": str(rng.randrange(3, 9))},
            )
            unit = use_case.business_unit.code
            for role, dataset in (("training", training_data[unit]), ("reference", training_data["shared"])):
                datasets.version_dataset_link(actor=owner, version=version, dataset=dataset, role=role)
            for stage in PATHS.get(use_case.status, PATHS["live"]):
                actor = reviewer if stage == Stage.APPROVED else owner
                if stage == Stage.PRODUCTION:
                    services.deployment_record(
                        actor=owner,
                        version=version,
                        environment="production",
                        endpoint=f"https://ml.internal/{name}/v{number}",
                        runtime={"regions": ["eu-west-1"], "replicas": [2, 6]},
                    )
                if stage == Stage.APPROVED and before_approval is not None:
                    before_approval(version)
                services.model_version_transition(
                    actor=actor, version=version, to_stage=stage, reason="Demo lifecycle step."
                )
    seed_schema_change()
    seed_decommissioning(ds=ds, ds2=ds2, reviewer=reviewer)


DEMO_DATASETS = (
    # name, unit, source, sensitivity, frequency, mode, retention days, completeness
    (
        "retail.card_transactions",
        "RETAIL",
        "Core banking warehouse",
        "restricted_personal",
        "daily",
        "batch",
        2555,
        99.2,
    ),
    ("corp.client_filings", "CORP", "Document store", "confidential", "weekly", "batch", 3650, 96.5),
    ("ops.payments_stream", "OPS", "Kafka payments topic", "internal", "continuous", "streaming", 365, 99.9),
    ("risk.credit_bureau", "RISK", "Bureau SFTP feed", "restricted_personal", "monthly", "batch", 2555, 97.8),
    ("shared.calendar_features", None, "Reference data service", "public", "yearly", "batch", None, 100),
)
# Personal data is processed on a lawful basis, with its treatment declared by the steward.
PERSONAL_DATA = {
    "restricted_personal": {"personal_data": True, "lawful_basis": "contract", "treatment": "pseudonymised"},
}
COLUMNS = [
    {"name": "customer_id", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "ts", "type": "timestamp"},
]


def seed_datasets(*, ds, ds2, reviewer) -> dict:
    """A small catalogue: personal data with approved treatments, a synthetic set, a breaking schema change."""
    from portfolio.models import BusinessUnit

    units = {unit.code: unit for unit in BusinessUnit.objects.all()}
    by_unit = {}
    for name, unit, source, sensitivity, frequency, mode, retention, completeness in DEMO_DATASETS:
        steward = ds if unit == "RETAIL" else ds2
        by_unit[unit or "shared"] = datasets.dataset_register(
            actor=steward,
            name=name,
            business_unit=units.get(unit),
            source_system=source,
            steward=steward,
            sensitivity=sensitivity,
            update_frequency=frequency,
            mode=mode,
            retention_days=retention,
            completeness=Decimal(str(completeness)),
            version_uri=f"dvc://datasets/{name}@v3",
            columns=COLUMNS,
            **PERSONAL_DATA.get(sensitivity, {}),
        )
        if sensitivity == "restricted_personal":
            datasets.privacy_treatment_record(
                actor=reviewer,
                dataset=by_unit[unit],
                method="pseudonymisation",
                technique="Customer ids replaced by a keyed SHA-256; postcodes truncated to the district.",
            )
    datasets.dataset_register(
        actor=ds,
        name="retail.card_transactions_synthetic",
        business_unit=units["RETAIL"],
        source_system="Synthetic data lab",
        steward=ds,
        sensitivity="internal",
        synthetic=True,
        generation_method="CTGAN, 300 epochs, trained on the pseudonymised card transactions of 2025.",
        generated_from=by_unit["RETAIL"],
        columns=COLUMNS,
    )
    return by_unit


def seed_schema_change() -> None:
    """After the models are registered: a breaking change that their owners hear about."""
    dataset = Dataset.objects.get(name="ops.payments_stream")
    datasets.dataset_schema_register(
        actor=dataset.steward,
        dataset=dataset,
        columns=[
            {"name": "customer_id", "type": "string"},
            {"name": "amount", "type": "decimal"},
            {"name": "ts", "type": "timestamp"},
        ],
    )


CONSUMERS = (
    ("Customer app", "high"),
    ("CRM nightly batch", "medium"),
    ("Analytics warehouse", "low"),
)


def seed_decommissioning(*, ds, ds2, reviewer) -> None:
    """Consumers for every model, and one model mid-decommission: announced, one consumer still to answer."""
    models = list(AIModel.objects.select_related("use_case").prefetch_related("owners").order_by("name"))
    for model in models:
        owner = model.owners.first()
        for system, criticality in CONSUMERS[: 2 + model.pk % 2]:
            decommissioning.consumer_register(
                actor=owner,
                model=model,
                system=system,
                contact_email=f"{system.split()[0].lower()}-team@bank.example",
                criticality=criticality,
            )
    live = [m for m in models if m.versions.filter(stage=Stage.PRODUCTION).exists()]
    decayed = next((m for m in live if m.use_case.status == "retired"), None)
    live = [m for m in live if m is not decayed]
    if len(live) < 2:
        return
    retiring, successor = live[0], live[1]
    owner = retiring.owners.first()
    plan = _approved_plan(
        retiring,
        reviewer,
        reason="replaced",
        replacement=successor,
        explanation="Consolidated into the successor model, which serves both channels.",
    )
    plan = decommissioning.decommission_plan_announce(actor=owner, plan=plan)
    first = plan.notices.order_by("consumer__system").first()
    decommissioning.consumer_notice_acknowledge(actor=owner, notice=first, note="Confirmed by email.")
    decommissioning.decommission_checklist_update(
        actor=owner,
        plan=plan,
        archive_location=f"s3://model-archive/{retiring.name}/",
        archive_checksum="9f2c1e7a" * 8,
        documentation_updated=True,
    )
    if decayed is not None:
        seed_retirement(decayed, reviewer)


def _approved_plan(model, reviewer, **fields):
    """A plan approved by the owner, the independent validator and a holder of each function its tier needs."""
    owner = model.owners.first()
    plan = decommissioning.decommission_plan_create(
        actor=owner,
        model=model,
        sunset_date=timezone.localdate() + timedelta(days=policies.notice_days_for(model) + 14),
        **fields,
    )
    decommissioning.decommission_plan_approve(actor=owner, plan=plan, as_role="owner")
    decommissioning.decommission_plan_approve(actor=reviewer, plan=plan, as_role="validator")
    for function in plan.required_functions:
        holders = holders_of_perm(function["permission"]).exclude(pk__in=model.owners.all()).order_by("pk")
        holder = holders.exclude(pk=reviewer.pk).first() or holders.first()  # a second pair of eyes if any
        decommissioning.decommission_plan_approve(actor=holder, plan=plan, as_role=function["code"])
    plan.refresh_from_db()
    return plan


def seed_retirement(model, reviewer) -> None:
    """One model retired through the whole workflow, with its post-mortem in the lessons list.

    Demo only: the plan is made today, so its sunset date is moved to today before retiring; every
    check of the workflow still runs."""

    owner = model.owners.first()
    plan = _approved_plan(
        model,
        reviewer,
        reason="performance_decay",
        explanation="Recall fell below the business floor after the product mix changed.",
    )
    plan = decommissioning.decommission_plan_announce(actor=owner, plan=plan)
    for notice in plan.notices.all():
        decommissioning.consumer_notice_acknowledge(actor=owner, notice=notice, note="Acknowledged at the sunset call.")
    decommissioning.decommission_checklist_update(
        actor=owner,
        plan=plan,
        archive_location=f"s3://model-archive/{model.name}/",
        archive_checksum="4be7d1c0" * 8,
        predictions_location=f"s3://predictions-archive/{model.name}/",
        resources_reclaimed=True,
        monthly_cost_saved=Decimal("1840.00"),
        documentation_updated=True,
        postmortem="Recall decayed for two quarters after the product mix shifted to small-business accounts, "
        "which the training data barely covered. Retraining on the new mix did not recover it.",
        lessons_learned="Watch the population mix as a drift signal, not only feature PSI; agree a recall floor "
        "with the business at intake so the stop-loss triggers early.",
    )
    type(plan).objects.filter(pk=plan.pk).update(sunset_date=timezone.localdate())
    plan.refresh_from_db()
    decommissioning.decommission_retire(actor=owner, plan=plan)
