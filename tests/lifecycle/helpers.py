"""Shared steps for tests that take versions through the stage machine."""

from lifecycle import datasets


def record_training_data(version, *, actor):
    """Link a training dataset, as the gate before review asks (one shared dataset per test database)."""
    dataset = datasets.Dataset.objects.filter(name="test.training_data").first() or datasets.dataset_register(
        actor=actor, name="test.training_data", source_system="warehouse"
    )
    return datasets.version_dataset_link(actor=actor, version=version, dataset=dataset, role="training")
