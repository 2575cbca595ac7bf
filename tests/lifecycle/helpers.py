"""Shared steps for tests that take versions through the stage machine."""

from lifecycle import datasets

# A decommission plan's checklist, complete.
DECOMMISSION_CHECKLIST = {
    "archive_location": "s3://archive/fraud-scorer/",
    "archive_checksum": "a" * 64,
    "predictions_location": "s3://predictions/fraud-scorer/",
    "resources_reclaimed": True,
    "monthly_cost_saved": 1250,
    "documentation_updated": True,
    "postmortem": "Drift after the card scheme change went unnoticed for weeks.",
    "lessons_learned": "Bind drift alerts to scheme announcements.",
}


def record_training_data(version, *, actor):
    """Link a training dataset, as the gate before review asks (one shared dataset per test database)."""
    dataset = datasets.Dataset.objects.filter(name="test.training_data").first() or datasets.dataset_register(
        actor=actor, name="test.training_data", source_system="warehouse"
    )
    return datasets.version_dataset_link(actor=actor, version=version, dataset=dataset, role="training")
