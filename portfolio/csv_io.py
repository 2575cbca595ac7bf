"""CSV export of use cases and KPIs, and CSV import of use cases with a per-row report.

Import is all or nothing by default: every row is checked first, and if one is refused nothing is
imported, so a file never lands half-way. The caller may choose to import the valid rows only.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction

from core.downloads import csv_uncell, csv_writer
from core.exceptions import ApplicationError
from portfolio import services
from portfolio.choices import Level, Sourcing
from portfolio.models import BusinessUnit, Capability

USE_CASE_COLUMNS = (
    "title",
    "business_unit",
    "problem_statement",
    "process_changed",
    "current_performance",
    "sponsor",
    "estimated_value",
    "estimated_cost",
    "sourcing",
    "sourcing_rationale",
    "data_sources_available",
    "data_quality",
    "data_access_agreed",
    "integration_complexity",
    "ea_components",
    "capabilities",
    "confidential",
)
EXPORT_COLUMNS = ("code", *USE_CASE_COLUMNS, "status", "risk_tier", "owner")
KPI_COLUMNS = (
    "objective",
    "business_unit",
    "kpi",
    "unit",
    "direction",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
    "latest_value",
    "latest_on",
    "source",
    "metric_binding",
)
MAX_IMPORT_ROWS = 5000
_TRUE, _FALSE = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}


def _yes(value) -> str:
    return "yes" if value else "no"


def use_cases_to_csv(use_cases) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for uc in use_cases.prefetch_related("capabilities"):
        writer.writerow(
            [
                uc.code,
                uc.title,
                uc.business_unit.code,
                uc.problem_statement,
                uc.process_changed,
                uc.current_performance,
                uc.sponsor.username if uc.sponsor else "",
                uc.estimated_value,
                uc.estimated_cost,
                uc.sourcing,
                uc.sourcing_rationale,
                _yes(uc.data_sources_available),
                uc.data_quality,
                _yes(uc.data_access_agreed),
                uc.integration_complexity,
                "; ".join(uc.ea_components),
                "; ".join(c.name for c in uc.capabilities.all()),
                _yes(uc.confidential),
                uc.status,
                uc.risk_tier,
                uc.owner.username if uc.owner else "",
            ]
        )
    return out.getvalue()


def kpis_to_csv(kpis) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(KPI_COLUMNS)
    for kpi in kpis:
        unit = kpi.objective.business_unit
        writer.writerow(
            [
                kpi.objective.title,
                unit.code if unit else "enterprise",
                kpi.name,
                kpi.unit,
                kpi.direction,
                kpi.baseline,
                kpi.baseline_date,
                kpi.target,
                kpi.target_date,
                "" if kpi.latest_value is None else kpi.latest_value,
                kpi.latest_on or "",
                kpi.source,
                kpi.metric_binding,
            ]
        )
    return out.getvalue()


@dataclass
class RowResult:
    line: int
    title: str
    errors: list[str] = field(default_factory=list)
    code: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult]
    imported: int = 0
    applied: bool = False

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if not row.ok]


class _RowError(Exception):
    pass


def _parse_row(raw: dict, lookups: dict) -> dict:
    """One CSV row to service arguments; collects every problem of the row at once."""
    errors, data = [], {}

    def get(name):
        return (raw.get(name) or "").strip()

    data["title"] = get("title")
    if not data["title"]:
        errors.append("title: required")
    unit = lookups["units"].get(get("business_unit").upper())
    if unit is None:
        errors.append(f"business_unit: unknown business unit “{get('business_unit')}”")
    data["business_unit"] = unit
    for name in ("problem_statement", "process_changed", "current_performance", "sourcing_rationale"):
        data[name] = get(name)
    if get("sponsor"):
        data["sponsor"] = lookups["users"].get(get("sponsor"))
        if data["sponsor"] is None:
            errors.append(f"sponsor: unknown user “{get('sponsor')}”")
    for name in ("estimated_value", "estimated_cost"):
        try:
            data[name] = Decimal(get(name) or "0")
            if not data[name].is_finite() or data[name] < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"{name}: “{get(name)}” is not an amount of 0 or more")
    choices = {
        "sourcing": (Sourcing.values, "undecided"),
        "data_quality": (Level.values, ""),
        "integration_complexity": (Level.values, ""),
    }
    for name, (allowed, default) in choices.items():
        value = get(name).lower() or default
        if value and value not in allowed:
            errors.append(f"{name}: “{value}” is not one of {', '.join(allowed)}")
        data[name] = value
    for name in ("data_sources_available", "data_access_agreed", "confidential"):
        value = get(name).lower()
        if value not in _TRUE | _FALSE:
            errors.append(f"{name}: say yes or no, not “{value}”")
        data[name] = value in _TRUE
    data["ea_components"] = [item.strip() for item in get("ea_components").split(";") if item.strip()]
    names = [item.strip() for item in get("capabilities").split(";") if item.strip()]
    unknown = [name for name in names if name.lower() not in lookups["capabilities"]]
    if unknown:
        errors.append(f"capabilities: unknown {', '.join(unknown)}")
    data["capabilities"] = [lookups["capabilities"][n.lower()] for n in names if n.lower() in lookups["capabilities"]]
    if errors:
        raise _RowError(errors)
    return data


def use_cases_import(*, actor, file_text: str, valid_rows_only: bool = False) -> ImportReport:
    """Check every row, then import all of them, or none if one is refused (unless valid_rows_only)."""
    reader = csv.DictReader(io.StringIO(file_text))
    missing = {"title", "business_unit"} - set(reader.fieldnames or [])
    if missing:
        raise ApplicationError(
            f"The file has no {' or '.join(sorted(missing))} column. Expected columns: {', '.join(USE_CASE_COLUMNS)}."
        )
    # A file exported by Lodestar comes back as it was: the quote that made a cell inert is taken off.
    raw_rows = [{key: csv_uncell(value) for key, value in row.items()} for row in reader]
    if len(raw_rows) > MAX_IMPORT_ROWS:
        raise ApplicationError(f"The file has {len(raw_rows)} rows; import at most {MAX_IMPORT_ROWS} at a time.")
    lookups = {
        "units": {unit.code: unit for unit in BusinessUnit.objects.filter(is_active=True)},
        "users": {user.username: user for user in get_user_model().objects.filter(is_active=True)},
        "capabilities": {c.name.lower(): c for c in Capability.objects.all()},
    }
    parsed, results = [], []
    for line, raw in enumerate(raw_rows, start=2):
        result = RowResult(line=line, title=(raw.get("title") or "").strip())
        try:
            parsed.append((result, _parse_row(raw, lookups)))
        except _RowError as exc:
            result.errors = exc.args[0]
        results.append(result)
    report = ImportReport(rows=results)
    if report.refused and not valid_rows_only:
        return report
    with transaction.atomic():
        for result, data in parsed:
            try:
                with transaction.atomic():
                    use_case = services.use_case_create(actor=actor, **data)
                result.code = use_case.code
                report.imported += 1
            except ApplicationError as exc:
                result.errors = [exc.message]
                if not valid_rows_only:
                    # A row refused by the service (e.g. no permission in that unit): undo the whole file.
                    transaction.set_rollback(True)
                    report.imported = 0
                    for other, _ in parsed:
                        other.code = ""
                    return report
    report.applied = True
    return report
