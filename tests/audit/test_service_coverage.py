"""Audit completeness, statically: every public function of the apps that writes to the database reaches
`audit.record` (itself or through a function it calls), or is listed below with the reason it writes no event.
The hostile write tests check the same at run time through every API operation (tests/hostile/test_write_side.py:
each 2xx change has its events under its request id, with the actor, and an update has its before and after)."""

import ast
from pathlib import Path

from django.conf import settings

APPS = (
    "core",
    "audit",
    "notifications",
    "portfolio",
    "identity",
    "lifecycle",
    "governance",
    "compliance",
    "sourcing",
    "monitoring",
    "dashboards",
)
# Entry points that hold no rule of their own, and data set-up run by migrations, demos and tests.
SKIPPED_FILES = {"admin.py", "views.py", "forms.py", "apps.py", "urls.py", "demo.py", "demo_history.py"}
SKIPPED_FOLDERS = {"migrations", "management", "api", "templatetags"}
WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES |= {"executemany"}
NO_EVENT = {
    "audit/services.py:record": "it is the audit trail",
    "core/accounts.py:system_user": "the account tasks act as, created once; not a change anyone made",
    "core/roles.py:sync_role_groups": "role definitions from code, installed by a migration",
    "core/schedules.py:installer": "each app's beat schedules from code, installed by its migrations",
    "core/tokens.py:api_token_authenticate": "a token's last-used time (written at most once a minute)",
    "identity/services.py:reauthentication_use": "spends a re-authentication proof inside the signature it enables, "
    "which its caller records (the signature or its refusal)",
    "monitoring/catalogue.py:install_catalogue": "the seeded metric catalogue, installed by a migration",
    "monitoring/retention.py:held_model_ids": "reads only (a dict's update)",
    "lifecycle/gates.py:register_measures": "fills an in-memory registry at start-up (a set's update), no row",
    "monitoring/sync.py:sync_run_start": "operational log of a sync run (shown on the sync page), not governed data",
    "monitoring/sync.py:sync_run_fail": "operational log of a sync run",
    "monitoring/sync.py:sync_run_finish": "operational log of a sync run",
    "monitoring/sync.py:sync_run_record": "operational log of a sync run",
    "monitoring/sync.py:sync_runs_close_interrupted": "operational log of a sync run",
    "monitoring/webhooks.py:emit": "a delivery log row for an outgoing webhook; the change it reports is audited",
    "monitoring/webhooks.py:deliver": "a delivery log row for an outgoing webhook",
    "notifications/services.py:notify": "a message to a person about an audited change",
    "notifications/services.py:notifications_mark_read": "a reader's own inbox state",
}


def _functions() -> dict[str, tuple[bool, bool, set[str]]]:
    """`path:name` → (writes, records an event itself, names it calls) for every module-level function."""
    root, found = Path(settings.BASE_DIR), {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if path.name in SKIPPED_FILES or SKIPPED_FOLDERS & set(path.relative_to(root).parts):
                continue
            for node in ast.parse(path.read_text()).body:
                if not isinstance(node, ast.FunctionDef):
                    continue
                calls = {
                    c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                }
                found[f"{path.relative_to(root)}:{node.name}"] = (bool(calls & WRITES), "record" in calls, calls)
    return found


def _unaudited_writers() -> set[str]:
    functions = _functions()
    audited = {key.split(":")[1] for key, (_, records, _) in functions.items() if records}
    grown = True
    while grown:  # a function that calls an audited one is audited
        before = len(audited)
        audited |= {key.split(":")[1] for key, (_, _, calls) in functions.items() if calls & audited}
        grown = len(audited) > before
    return {
        key
        for key, (writes, _, _) in functions.items()
        if writes and not key.split(":")[1].startswith("_") and key.split(":")[1] not in audited
    }


def test_every_public_writer_records_an_audit_event_or_says_why_not():
    missing = sorted(_unaudited_writers() - set(NO_EVENT))
    assert not missing, (
        "these write to the database but never reach audit.record; record the change, or add them to NO_EVENT "
        "with the reason:\n" + "\n".join(missing)
    )


def test_every_exemption_still_exists_and_still_writes_without_an_event():
    stale = sorted(set(NO_EVENT) - _unaudited_writers())
    assert not stale, "remove these from NO_EVENT (gone, renamed, or audited now):\n" + "\n".join(stale)
