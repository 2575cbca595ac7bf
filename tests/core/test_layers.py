"""DESIGN.md's layers, lowest first: core, audit (with notifications just above) ← portfolio ← identity ←
lifecycle ← governance, monitoring ← compliance, sourcing ← dashboards. An app imports only from the layers below
it; a lower app that must ask a higher one owns a registry the higher one fills (lifecycle.gates,
governance.evidence_pack.register_section). The syntax tree of every module (imports inside functions too,
migrations aside) is checked; what is known to break the rule is listed with its file, so the list can only
shrink."""

import ast
from pathlib import Path

from django.conf import settings

LAYER = {
    "core": 0,
    "audit": 1,
    "notifications": 2,  # beside audit, above it: it fills audit's retention registry
    "portfolio": 3,
    "identity": 4,  # single sign-on: maps claims to portfolio's units; governance signs through it
    "lifecycle": 5,
    "governance": 6,
    "monitoring": 6,
    "compliance": 7,  # needs governance's risk tiers; fills governance's evidence-pack registry
    "sourcing": 7,
    "dashboards": 8,
}
# (module file, app it imports) -> why, until issue 24 breaks the core ↔ audit cycle.
KNOWN = {
    ("core/accounts.py", "audit"): "account services record their changes: to move above audit",
    ("core/auth_events.py", "audit"): "auth signals record: to move above audit",
    ("core/lockout.py", "audit"): "lockout counts failed sign-ins in the trail: to move above audit",
    ("core/lockout.py", "notifications"): "a lockout tells the admins: to move above notifications",
    ("core/middleware.py", "audit"): "sets the audit context of a request",
    ("core/page_cache.py", "audit"): "a page's key includes the trail's head",
    ("core/page_cache.py", "notifications"): "a page's key includes the reader's inbox",
    ("core/permissions.py", "audit"): "grants are audited",
    ("core/reference.py", "audit"): "reference data changes are audited",
    ("core/schedules.py", "audit"): "periodic task changes are audited",
    ("core/tokens.py", "audit"): "token issue and revocation are audited",
    ("audit/verification.py", "notifications"): "a chain that fails verification tells the auditors",
}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(LAYER)


def upward_imports() -> set[tuple[str, str]]:
    root = Path(settings.BASE_DIR)
    found = set()
    for app, layer in LAYER.items():
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for other in imported_apps(path) - {app}:
                if LAYER[other] >= layer:
                    found.add((str(path.relative_to(root)), other))
    return found


def test_no_app_imports_from_its_own_layer_or_above():
    found = upward_imports()
    assert found - set(KNOWN) == set(), "imports against the layers (use a registry in the lower app instead)"
    assert set(KNOWN) - found == set(), "listed exceptions that are gone: remove them from KNOWN"


def test_every_app_has_a_layer():
    apps = {name for name in settings.INSTALLED_APPS if (Path(settings.BASE_DIR) / name).is_dir()}
    assert apps - {"tests"} == set(LAYER)
