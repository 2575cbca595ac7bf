"""The layer rule, statically: an app imports only from apps below it (README "Layout"). Where a lower app must
ask a higher one, the lower app owns a registry the higher one fills in its AppConfig.ready() (lifecycle.gates,
governance.evidence_pack.register_section). Migrations are left out: they name other apps' state by design."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Lowest first; apps on the same rank are siblings and do not import each other.
LAYERS = (
    ("core",),
    ("audit", "notifications"),
    ("portfolio",),
    ("lifecycle",),
    ("governance", "monitoring"),
    ("compliance", "sourcing"),
    ("dashboards",),
)
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
# Known imports against the rule, each with its reason; issue 24 breaks the core ↔ audit cycle.
KNOWN = {
    ("core", "audit"): "core's accounts, lockout, middleware, page cache and permissions write or read the trail",
    ("core", "notifications"): "core's lockout and page cache tell people and read their inbox",
    ("audit", "notifications"): "the checkpoint check tells the platform admins",
    ("notifications", "audit"): "read notifications are purged through audit's retention registry",
}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]


def test_no_app_imports_an_app_above_it_or_beside_it():
    wrong = []
    for app, rank in RANK.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, imported in _imports(path):
                if imported in RANK and imported != app and RANK[imported] >= rank and (app, imported) not in KNOWN:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not wrong, "imports against the layers (move the code down, or let the lower app own a registry):\n" + (
        "\n".join(wrong)
    )


def test_every_known_exception_still_exists():
    """An entry of KNOWN that no import needs any more is deleted, so the list only shrinks."""
    found = {
        (app, imported)
        for app in RANK
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        for _, imported in _imports(path)
    }
    assert set(KNOWN) <= found, sorted(set(KNOWN) - found)


def test_every_app_has_a_layer():
    apps = {name for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()}
    assert apps == set(RANK)
