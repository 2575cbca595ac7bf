"""Lifecycle's periodic tasks, installed by its migrations (core.schedules.installer)."""

from core.schedules import installer

SCHEDULES = (
    # (name, task, every, period)
    ("Discover models in MLflow", "lifecycle.discover_mlflow_models", 15, "minutes"),
    ("Keep the production aliases in MLflow", "lifecycle.check_production_aliases", 10, "minutes"),
)
# Tasks no admin may switch off (core.schedules refuses it): production safety.
GUARDS = {"lifecycle.check_production_aliases": "keeps MLflow's production aliases on the governed versions"}

install_schedules = installer(SCHEDULES)
