"""Test-only `flush`. Transactional tests (browser, worker) empty every table between tests:
- the audit table's guards refuse that, so they are lifted for the flush and put back;
- the flush also empties reference data that data migrations wrote (role groups, sign-off
  functions, scoring criteria, beat schedules, the metric catalogue), so those migrations' functions run again.
Production has no such command."""

import importlib

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tests.audit.helpers import guards_lifted

# (module, function) of every data migration that writes reference data.
REFERENCE_DATA = (
    ("governance.migrations.0002_seed_sign_off_functions", "seed"),
    ("governance.migrations.0004_seed_questionnaire_and_policies", "seed"),
    ("governance.migrations.0012_test_evidence", "add_policy_versions"),
    ("governance.migrations.0007_seed_frameworks_and_controls", "seed"),
    ("portfolio.migrations.0003_seed_scoring_criteria", "seed"),
    ("core.roles", "sync_role_groups"),
    ("core.schedules", "install_schedules"),
    ("audit.schedules", "install_schedules"),
    ("portfolio.schedules", "install_schedules"),
    ("lifecycle.schedules", "install_schedules"),
    ("monitoring.catalogue", "install_catalogue"),
    ("monitoring.schedules", "install_schedules"),
    ("governance.schedules", "install_schedules"),
)


class _TodaysLabels:
    """Today's state for a data migration written while its models were governance's (frameworks and
    controls moved to compliance): a model asked for under its former app is found under its current one."""

    def __init__(self, apps):
        self.apps = apps

    def __getattr__(self, name):
        return getattr(self.apps, name)

    def get_model(self, app_label, model_name):
        from audit.labels import labels_of

        current = labels_of(f"{app_label}.{model_name.lower()}")[0].split(".")[0]
        return self.apps.get_model(current, model_name)


class Command(FlushCommand):
    def handle(self, **options):
        database = options["database"]
        with guards_lifted(database):
            result = super().handle(**options)
        if not options.get("inhibit_post_migrate"):
            # Historical models, as in the migrations: no signals, so no audit noise.
            state_apps = _TodaysLabels(MigrationExecutor(connections[database]).loader.project_state().apps)
            for module, function in REFERENCE_DATA:
                getattr(importlib.import_module(module), function)(state_apps, None)
        return result
