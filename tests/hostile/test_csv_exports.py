"""T27: every CSV export is inert (issue 20, finding 6; OWASP "CSV injection").

The exports are found from the code, not listed by hand: every page of the URL conf asked for `?format=csv` and
for each `?export=` name its view declares, and every API operation whose schema answers text/csv. A guard checks
that each view whose code writes CSV was reached, so a new export is swept as soon as it exists. The hostile world
(tests/hostile/world.py) is then poisoned: each of its names starts with a formula trigger, as an attacker would
type it; every cell of every export must come back inert.
"""

import ast
import csv
import io
import re
from itertools import cycle
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from audit import services as audit
from core.downloads import FORMULA_STARTS

from .surface import api_operations, schema, url_routes
from .world import UNMARKED, marker

ROOT = Path(settings.BASE_DIR)
PRODUCT_DIRS = (
    "audit",
    "core",
    "portfolio",
    "lifecycle",
    "governance",
    "compliance",
    "sourcing",
    "monitoring",
    "dashboards",
    "notifications",
)
# What an attacker types: each trigger OWASP names, with a payload that a spreadsheet would run.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = "cmd|' /C calc'!A0 "
CSV_CALLS = re.compile(r"^(csv_\w*response|csv_text|csv_writer|\w+_to_csv)$")


def _poison(world) -> int:
    """Prefix every marked text field of the world's records with a trigger (in the database, as typed)."""
    triggers, poisoned = cycle(TRIGGERS), 0
    for resource, by_class in world.objects.items():
        for obj in by_class.values():
            if resource in UNMARKED or not isinstance(obj, models.Model):  # seeded names; the append-only trail
                continue
            changes = {}
            for field in obj._meta.concrete_fields:
                value = getattr(obj, field.attname)
                if isinstance(field, models.CharField | models.TextField) and isinstance(value, str) and "zz-" in value:
                    changes[field.attname] = (next(triggers) + PAYLOAD + value)[: field.max_length or None]
            if changes:
                type(obj)._default_manager.filter(pk=obj.pk).update(**changes)
                poisoned += len(changes)
    # The audit trail is append-only: its hostile rows are new events, with hostile actors, targets and reasons.
    User = get_user_model()
    for trigger, username in zip(TRIGGERS, ("-evil", "@evil", "+evil"), strict=False):
        actor = User.objects.create_user(username=username)
        audit.record(
            actor=actor,
            action="hostile.typed",
            target_repr=f"{trigger}{PAYLOAD}{marker('audit', 'any')}",
            reason=f'{trigger}HYPERLINK("http://evil.example","click") {marker("audit", "any")}',
        )
        poisoned += 3
    return poisoned


def _csv_views_in_code() -> set[str]:
    """Names of the views (class or function) whose code writes a CSV file."""
    found = set()
    for top in PRODUCT_DIRS:
        for path in (ROOT / top).rglob("views.py"):
            tree = ast.parse(path.read_text())
            for node in tree.body:
                if not isinstance(node, ast.ClassDef | ast.FunctionDef):
                    continue
                for call in ast.walk(node):
                    if isinstance(call, ast.Call):
                        name = getattr(call.func, "id", None) or getattr(call.func, "attr", "")
                        if CSV_CALLS.match(name):
                            found.add(node.name)
    return found


def _view_names(path: str) -> set[str]:
    """The view that answered `path`, with the classes it inherits its CSV code from."""
    func = resolve(path.split("?")[0]).func
    view = getattr(func, "view_class", None) or getattr(func, "cls", None)
    return {cls.__name__ for cls in view.__mro__} if view else {func.__name__}


def _export_requests():
    """(client kind, url) for every candidate export the code offers."""
    for page in url_routes():
        if page.route.startswith(("admin/", "api/")) or page.params:
            continue
        url = page.url()
        yield "browser", f"{url}?format=csv"
        view_class = getattr(resolve(url).func, "view_class", None)
        for name in getattr(view_class, "exports", {}) or {}:
            yield "browser", f"{url}?export={name}"
    for op in api_operations():
        content = schema()["paths"][op.path]["get" if op.method == "GET" else op.method.lower()]
        if (
            op.method == "GET"
            and "{" not in op.path
            and "text/csv" in content["responses"].get("200", {}).get("content", {})
        ):
            yield "api", op.path


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8")


def _live(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts with a trigger and is not a plain number."""
    if not cell.startswith(FORMULA_STARTS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


@pytest.mark.django_db
def test_every_csv_export_is_inert_cell_by_cell(world, capsys):
    poisoned = _poison(world)
    User = get_user_model()
    # The builder owns every record of the world; as a superuser it also sees every unit, page and export.
    reader = User.objects.get(username="builder")
    User.objects.filter(pk=reader.pk).update(is_superuser=True, is_staff=True)
    reader.refresh_from_db()
    browser, api = Client(), APIClient()
    browser.force_login(reader)
    api.force_authenticate(reader)

    exports, live, hostile_cells, reached = {}, [], 0, set()
    for kind, url in _export_requests():
        response = (browser if kind == "browser" else api).get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/csv"):
            continue
        reached |= _view_names(url)
        rows = list(csv.reader(io.StringIO(_body(response), newline="")))
        cells = [cell for row in rows for cell in row]
        hostile = [cell for cell in cells if "zz-" in cell and cell[:2].lstrip("'")[:1] in TRIGGERS]
        exports[url] = len(hostile)
        hostile_cells += len(hostile)
        live += [f"{url}: {cell!r:.80}" for cell in cells if _live(cell)]

    missing = _csv_views_in_code() - reached
    assert not missing, f"views that write CSV but were not reached by the sweep: {sorted(missing)}"
    assert {"/portfolio/use-cases/?format=csv", "/audit/?format=csv", "/api/v1/use-cases/export/"} <= set(exports)
    for url in ("/portfolio/use-cases/?format=csv", "/audit/?format=csv", "/api/v1/use-cases/export/"):
        assert exports[url] > 0, f"{url} carried none of the hostile values: the sweep proves nothing there"
    with capsys.disabled():
        print(
            f"\nT27 CSV: {poisoned} hostile values, {len(exports)} exports, {hostile_cells} hostile cells: "
            f"{len(live)} live formulas"
        )
        print("\n".join(f"  {url}: {count} hostile cells" for url, count in sorted(exports.items())))
    assert not live, "cells a spreadsheet would evaluate:\n" + "\n".join(live[:40])
