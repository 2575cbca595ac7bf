"""The metrics Lodestar knows out of the box (seeded by a data migration; admins add more)."""

# (MLflow name, kind, unit, higher is better, aggregation, description)
DEFAULT_METRICS = (
    ("psi", "drift", "", False, "mean", "Population stability index of the score distribution"),
    ("ks_statistic", "drift", "", False, "mean", "Kolmogorov-Smirnov statistic against the training data"),
    ("null_rate", "data_quality", "ratio", False, "mean", "Share of missing values in the inputs"),
    ("accuracy", "performance", "ratio", True, "mean", ""),
    ("auc", "performance", "", True, "mean", "Area under the ROC curve"),
    ("precision", "performance", "ratio", True, "mean", ""),
    ("recall", "performance", "ratio", True, "mean", ""),
    ("latency_p95_ms", "operational", "ms", False, "p95", "95th percentile of the response time"),
    ("error_rate", "operational", "ratio", False, "mean", "Share of requests that failed"),
    ("requests", "operational", "requests", True, "sum", "Requests served"),
    ("cost_usd", "cost", "USD", False, "sum", "Spend"),
    ("compute_hours", "cost", "h", False, "sum", "Compute used"),
    ("storage_gb", "cost", "GB", False, "last", "Storage held"),
    ("outcome_accuracy", "performance", "ratio", True, "mean", "Share of predictions whose posted outcome matched"),
)


def install_catalogue(apps, schema_editor=None) -> None:
    MetricDefinition = apps.get_model("monitoring", "MetricDefinition")
    for name, kind, unit, higher, aggregation, description in DEFAULT_METRICS:
        MetricDefinition.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "unit": unit,
                "higher_is_better": higher,
                "aggregation": aggregation,
                "description": description,
            },
        )
