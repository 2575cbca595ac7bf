"""T22 (part): static checks of the project's own code.

- bandit finds no high-severity issue (also `make lint`);
- nothing escapes Django's protections unreviewed: `mark_safe`, `SafeString`, `csrf_exempt`, `.extra()`,
  `RawSQL`, `.raw()` and SQL sent straight to a cursor appear only in the files allowlisted here with the
  reason, and no template switches autoescaping off or marks a value safe;
- no migration touches the audit trail's table unless it is one of the reviewed ones the DBA's script runs
  after (docs/sql/audit_roles.sql).

The published rule sets (semgrep's p/django) need the network at run time; these are the same checks, offline.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

from .test_csrf import PROJECT_PACKAGES

ROOT = Path(settings.BASE_DIR)
UNSAFE_CALLS = {"mark_safe", "SafeString", "csrf_exempt", "extra", "RawSQL", "raw", "execute", "executemany"}
# (file, call) -> why it is safe. A new use fails until it is reviewed and listed; a listed use that is gone fails.
REVIEWED_CALLS = {
    ("core/auth_backends.py", "execute"): "the user and permission reads: constant statements, values as parameters",
    ("core/sessions.py", "execute"): "the session read: a constant statement, the key as a parameter",
    ("core/page_cache.py", "execute"): "the page key's state: a constant statement, the user as a parameter",
    ("core/db.py", "execute"): "the preparing cursor passes statements on unchanged",
    ("core/views.py", "execute"): "the health check's SELECT 1",
    ("core/tasks.py", "execute"): "the worker's health check, SELECT 1",
    ("core/seeding.py", "execute"): "set_config with a parameter; constraint names from the model registry",
    ("audit/services.py", "execute"): "the chain's advisory lock, key as a parameter",
    ("audit/retention.py", "execute"): "the legal holds' advisory lock, key as a parameter",
    ("audit/db.py", "execute"): "the append-only triggers, installed by migrations; table names from models",
    ("monitoring/sync.py", "executemany"): "the metric points' bulk insert: a constant statement, rows as parameters",
}
UNSAFE_TEMPLATE = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off")
# Migrations that touch the audit trail's table, reviewed: the DBA's script locks the table after them.
REVIEWED_AUDIT_MIGRATIONS = {
    ("audit", "0001_initial"): "creates the table, before the DBA's script gives it away",
    ("audit", "0002_append_only_guards"): "installs the append-only triggers the script then protects",
    ("audit", "0003_checkpoint_schedule"): "RunPython: installs the checkpoint schedule, not the table",
    ("audit", "0005_purge_schedule"): "RunPython: installs the purge schedule, not the table",
    ("audit", "0006_verify_permission"): "model options only (the 'verify' permission): no SQL on the table",
    (
        "audit",
        "0007_checkpoint_freshness_schedule",
    ): "RunPython: the checkpoint check's schedule, not the table",
}
AUDIT_TABLE = "audit_auditevent"


def _python_files():
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def test_bandit_finds_no_high_severity_issue():
    packages = [p for p in PROJECT_PACKAGES if (ROOT / p).is_dir()]
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", *packages, "-x", "*/migrations/*", "--severity-level", "high"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(packages) >= 8


def test_escapes_from_djangos_protections_are_only_the_reviewed_ones():
    found = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called_name(node) in UNSAFE_CALLS:
                found.setdefault((str(path.relative_to(ROOT)), _called_name(node)), node.lineno)
    unreviewed = {
        f"{file}:{line} {call}()" for (file, call), line in found.items() if (file, call) not in REVIEWED_CALLS
    }
    assert not unreviewed, f"review these and list them in REVIEWED_CALLS with the reason: {sorted(unreviewed)}"
    assert not set(REVIEWED_CALLS) - set(found), "listed but no longer used: remove from REVIEWED_CALLS"


def test_no_template_turns_escaping_off():
    templates = [path for path in ROOT.rglob("templates/**/*.html") if ".venv" not in str(path)]
    unsafe = [str(p.relative_to(ROOT)) for p in templates if UNSAFE_TEMPLATE.search(p.read_text(encoding="utf-8"))]
    assert not unsafe, f"|safe or autoescape off in {unsafe}"
    assert len(templates) > 40  # the scan looks where the templates are


def _touches_audit_table(app: str, operation) -> bool:
    if isinstance(operation, migrations.RunSQL):
        return AUDIT_TABLE in str(operation.sql) + str(operation.reverse_sql)
    if isinstance(operation, migrations.RunPython):
        return app == "audit"  # its code cannot be read here: every one is reviewed
    model = getattr(operation, "model_name", None) or getattr(operation, "name", "")
    return app == "audit" and str(model).lower() == "auditevent"


def test_only_the_reviewed_migrations_touch_the_audit_trail():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    touching = {
        key
        for key, migration in loader.disk_migrations.items()
        if any(_touches_audit_table(key[0], operation) for operation in migration.operations)
    }
    unreviewed = touching - set(REVIEWED_AUDIT_MIGRATIONS)
    assert not unreviewed, f"these migrations touch {AUDIT_TABLE}: the DBA must review them first: {unreviewed}"
    assert touching == set(REVIEWED_AUDIT_MIGRATIONS)
