"""Demo sourcing: a vendor supplying two inventory models, two technology evaluations (one adopted with a
published reference architecture, one in trial), seeded through the services after the lifecycle demo."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from sourcing import services
from sourcing.models import TechnologyEvaluation, Vendor


def seed_vendors() -> None:
    """After the lifecycle demo: one vendor supplying two inventory models."""
    from lifecycle.models import AIModel

    if Vendor.objects.exists():
        return
    admin = User.objects.get(username="admin")
    models = list(AIModel.objects.filter(confidential=False).order_by("-third_party", "pk")[:2])
    if len(models) < 2:
        return
    vendor = services.vendor_create(
        actor=admin,
        name="Northwind Language Models",
        services="Hosted large language models and an embeddings API, billed per token.",
        due_diligence="in_progress",
        data_ownership_clause="We own prompts, completions and any fine-tuned weights; the vendor gets no licence.",
        data_handling_clause="EU residency; prompts kept 30 days for abuse monitoring, never used for training.",
        lock_in_risk="high",
        exit_strategy="Every call goes through our gateway; an open-weights model is benchmarked each quarter.",
        data_portability="Fine-tuning sets and evaluation logs are exported nightly to our object store.",
        last_assessed_on=timezone.localdate() - timedelta(days=200),
        notes="Reassess before the renewal in the spring.",
    )
    for model in models:
        services.vendor_model_link(actor=admin, vendor=vendor, model=model)


def seed_evaluations() -> None:
    """Two technology evaluations beside the vendor: a feature store adopted after a passed sandbox trial,
    which published a reference architecture; an LLM gateway still in trial."""
    if TechnologyEvaluation.objects.exists():
        return
    ds, rb = (User.objects.get(username=name) for name in ("ds", "rb"))
    today = timezone.localdate()
    feast = services.evaluation_create(
        actor=ds,
        name="Feast feature store",
        category="feature_store",
        summary="One store for training and online features, so models stop recomputing them in each service.",
        build_or_buy="buy",
        licence_model="open_source",
        one_off_cost=85000,
        annual_cost=40000,
        annual_benefit=160000,
        lock_in_risk="low",
        lock_in_notes="Apache-licensed; offline store is Parquet on our object storage, online store is Redis.",
    )
    trial = services.trial_start(
        actor=ds,
        evaluation=feast,
        start=today - timedelta(days=75),
        end=today - timedelta(days=30),
        goals="Serve the fraud and churn models' features online under 20 ms p99; backfill two years offline.",
    )
    services.trial_close(
        actor=ds,
        trial=trial,
        outcome="pass",
        findings="p99 online read 9 ms at 3x peak load; backfill took 4 hours; point-in-time joins matched.",
    )
    services.evaluation_decide(
        actor=rb,
        evaluation=feast,
        decision="adopt",
        rationale="Met every trial goal; pays back in under a year; open formats keep the exit cheap.",
    )
    services.standard_approve(
        actor=rb,
        name="Feature serving reference architecture",
        kind="reference_architecture",
        description="Online models read features from the Feast online store; training sets come from its offline "
        "store with point-in-time joins. No service computes features on its own.",
        link="https://wiki.lodestar.example/architecture/feature-serving",
        review_date=today + timedelta(days=365),
        evaluation=feast,
    )
    gateway = services.evaluation_create(
        actor=ds,
        name="Hosted LLM gateway",
        category="llm_api",
        vendor=Vendor.objects.order_by("pk").first(),
        summary="A managed gateway in front of hosted language models: routing, caching, redaction, cost caps.",
        build_or_buy="buy",
        licence_model="commercial",
        one_off_cost=20000,
        annual_cost=120000,
        annual_benefit=150000,
        lock_in_risk="high",
        lock_in_notes="Prompts and routing rules live in the vendor's format; no export of cached completions.",
    )
    services.trial_start(
        actor=ds,
        evaluation=gateway,
        start=today - timedelta(days=10),
        end=today + timedelta(days=20),
        goals="Redact customer identifiers before any call leaves; keep cost per 1k calls under EUR 2.",
    )
