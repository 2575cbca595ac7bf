"""The move of frameworks, controls, evidence and external audits to compliance, and of vendors, evaluations and
standards to sourcing, on a database the demo filled before the move.

The demo is seeded by the code of the commit before the move (its own migrations, services and labels), in a
scratch PostgreSQL database; then today's code migrates that database forward. Every row of the moved tables
(foreign keys included), the content types, permissions, role grants, object permissions and notifications stay
the same rows; the audit trail keeps its events untouched and still verifies; the audit filter finds a moved
record's events written under its former label."""

import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
# The last commit before the move: its code seeds the demo the migrations must carry over.
BEFORE_THE_MOVE = "c840a23b6633b502e798b97201704d01ff329940"
MOVED = {
    "compliance": (
        "framework",
        "requirement",
        "control",
        "controlrequirement",
        "evidence",
        "externalaudit",
        "auditfinding",
        "followup",
    ),
    "sourcing": ("vendor", "suppliedmodel", "technologyevaluation", "sandboxtrial", "approvedstandard"),
}
MODELS = [model for models in MOVED.values() for model in models]
TABLES = [f"governance_{model}" for model in MODELS] + [
    "governance_externalaudit_frameworks",
    "governance_externalaudit_use_cases",
]


def _checkout_before(path: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE_THE_MOVE], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(path, filter="data")
    return path


def _connect(dbname: str):
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def scratch_database(postgresql_only):
    """A database of its own (the migrations under test run outside the test's transaction)."""
    name = f"{connection.settings_dict['NAME']}_move"[:63]
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(code: Path, database: str, anchors: Path, *args: str) -> str:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
    env = {**os.environ, "DATABASE_URL": url, "AUDIT_ANCHOR_DIR": str(anchors)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each checkout's manage.py picks its own settings
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=code, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _digest(db, table: str, *, order: str = "id", where: str = "TRUE", params=()) -> tuple:
    """How many rows and a digest of every column of every row, foreign keys included."""
    return db.execute(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{order}), '')) FROM {table} t WHERE {where}",
        params,
    ).fetchone()


def _snapshot(database: str) -> dict:
    with _connect(database) as db:
        rows = {table: _digest(db, table) for table in TABLES}
        types = {
            model: db.execute(
                "SELECT id, app_label FROM django_content_type WHERE model = %s ORDER BY id", [model]
            ).fetchall()
            for model in MODELS
        }
        type_ids = [row[0] for found in types.values() for row in found]
        permissions = db.execute(
            "SELECT id, content_type_id, codename FROM auth_permission WHERE content_type_id = ANY(%s) ORDER BY id",
            [type_ids],
        ).fetchall()
        grants = db.execute(
            "SELECT g.name, gp.permission_id FROM auth_group_permissions gp JOIN auth_group g ON g.id = gp.group_id"
            " WHERE gp.permission_id = ANY(%s) ORDER BY 1, 2",
            [[p[0] for p in permissions]],
        ).fetchall()
        object_permissions = _digest(db, "guardian_userobjectpermission")
        notifications = _digest(db, "notifications_notification")
        head = db.execute("SELECT max(seq) FROM audit_auditevent").fetchone()[0]
        events = _digest(db, "audit_auditevent", order="seq", where="t.seq <= %s", params=[head])
        vendor = db.execute("SELECT min(id) FROM governance_vendor").fetchone()[0]
        vendor_events = db.execute(
            "SELECT count(*) FROM audit_auditevent WHERE target_id = %s"
            " AND target_type IN ('governance.vendor', 'sourcing.vendor')",
            [str(vendor)],
        ).fetchone()[0]
    return {
        "rows": rows,
        "types": types,
        "permissions": permissions,
        "grants": grants,
        "object_permissions": object_permissions,
        "notifications": notifications,
        "head": head,
        "events": events,
        "vendor": vendor,
        "vendor_events": vendor_events,
    }


AFTER_CHECKS = """
from audit.filters import AuditEventFilterSet
from audit.models import AuditEvent
from django.contrib.auth.models import User
found = AuditEventFilterSet({{"target_type": "sourcing.vendor", "target_id": "{vendor}"}}, AuditEvent.objects.all()).qs
print("vendor-events", found.count())
print("admin-manages-vendors", User.objects.get(username="admin").has_perm("sourcing.manage_vendor"))
print("compliance-reviews-evidence", User.objects.get(username="rb2").has_perm("compliance.review_evidence"))
"""


def test_the_demo_survives_the_move_row_for_row(scratch_database, tmp_path):
    before_code = _checkout_before(tmp_path / "before")
    anchors = tmp_path / "anchors"
    _manage(before_code, scratch_database, anchors, "migrate", "--no-input")
    _manage(before_code, scratch_database, anchors, "seed_demo")
    before = _snapshot(scratch_database)
    assert all(count for count, _ in before["rows"].values()), "the demo fills every moved table"
    assert all(label == "governance" for found in before["types"].values() for _, label in found)
    assert before["vendor_events"] > 0

    migrated = _manage(ROOT, scratch_database, anchors, "migrate", "--no-input")
    assert "governance.0017_models_moved_to_compliance_and_sourcing... OK" in migrated
    after = _snapshot(scratch_database)

    # Same tables, same rows, same foreign keys: nothing rewritten, nothing lost.
    assert after["rows"] == before["rows"]
    # The same content type rows, relabelled: permissions, grants, object permissions and notifications that
    # point at them are the same rows as before.
    for app, models in MOVED.items():
        for model in models:
            assert [pk for pk, _ in after["types"][model]] == [pk for pk, _ in before["types"][model]]
            assert [label for _, label in after["types"][model]] == [app]
    assert after["permissions"] == before["permissions"]
    assert after["grants"] == before["grants"]
    assert after["object_permissions"] == before["object_permissions"]
    assert after["notifications"] == before["notifications"]
    # The trail: no event rewritten, the chain verifies with today's code.
    assert after["head"] == before["head"] and after["events"] == before["events"]
    assert "Audit trail intact" in _manage(ROOT, scratch_database, anchors, "verify_audit")

    checks = _manage(ROOT, scratch_database, anchors, "shell", "-c", AFTER_CHECKS.format(vendor=before["vendor"]))
    # The audit filter finds the vendor's events written under governance's label.
    assert f"vendor-events {before['vendor_events']}" in checks
    assert "admin-manages-vendors True" in checks
    assert "compliance-reviews-evidence True" in checks
