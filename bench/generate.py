"""A realistic portfolio at enterprise size, written fast (figures, not a test):

    DATABASE_URL=postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench .venv/bin/python bench/generate.py
    .venv/bin/python bench/generate.py --scale 0.01          # 100 models, 300 versions, 10,000 points...

Default size: 10,000 models, 2,000 use cases, 30,000 versions, 1,000,000 metric points, 100,000 audit events,
spread across twelve business units, four risk tiers and every stage, a tenth confidential. Rows go in with
PostgreSQL COPY (bulk_create elsewhere) under ids chosen here, so foreign keys need no read-back; it appends
to whatever is there (names carry a run tag), so `seed_demo` may call `generate(scale=0.001)` on top of the
demo. Versions past approval carry an approved review with every required sign-off on their current content,
and their use case an approved impact assessment, so the production gates hold. The audit events continue
the existing hash chain, computed here with audit.services.compute_hash and checked by `verify_audit`.
Beside them, in proportion: a health check of every production version, budgets, accepted test evidence of the
reviewed versions, compliance evidence of the high and critical use cases and concerns, so every panel has rows.

Also callable: `from bench.generate import generate; generate(scale=0.01)` returns {table: (rows, seconds)}.
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULTS = {"models": 10_000, "use_cases": 2_000, "versions": 30_000, "points": 1_000_000, "audit_events": 100_000}
UNITS = [
    ("RETAIL", "Retail Banking"),
    ("CARDS", "Cards and Payments"),
    ("WEALTH", "Wealth Management"),
    ("INSURE", "Insurance"),
    ("CORP", "Corporate Banking"),
    ("MARKETS", "Markets"),
    ("RISK", "Group Risk"),
    ("OPS", "Operations"),
    ("HR", "People"),
    ("MKT", "Marketing"),
    ("FIN", "Finance"),
    ("CX", "Customer Service"),
]
# Where the latest version of a model stands; older versions were deprecated, retired or rejected.
LATEST_STAGES = [
    ("production", 40),
    ("staging", 8),
    ("approved", 5),
    ("pending_approval", 8),
    ("in_validation", 10),
    ("registered", 12),
    ("deprecated", 5),
    ("suspended", 2),
    ("retired", 10),
]
OLDER_STAGES = [("deprecated", 3), ("retired", 5), ("rejected", 2)]
REVIEWED = {"approved", "staging", "production", "deprecated", "suspended"}
USE_CASE_STATUSES = [
    ("live", 35),
    ("in_delivery", 20),
    ("approved", 10),
    ("assessing", 10),
    ("proposed", 10),
    ("paused", 5),
    ("retired", 7),
    ("rejected", 3),
]
TIERS = [("low", 35), ("medium", 35), ("high", 22), ("critical", 8)]
MONITORED = ("psi", "auc", "latency_p95_ms")
WORDS = (
    "churn fraud credit claims pricing forecast routing triage propensity anomaly document sentiment "
    "onboarding collections recommendation underwriting liquidity attrition scheduling translation"
).split()
MODEL_TYPES = ["gradient boosting", "logistic regression", "random forest", "LLM", "CNN", "transformer", "GLM"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


class Writer:
    """COPY rows into a model's table, every concrete column, defaults filled in; times each table."""

    def __init__(self, now: datetime):
        self.now = now
        self.figures: dict[str, tuple[int, float]] = {}

    def next_id(self, model) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def copy(self, model, rows: list[dict], *, columns: list | None = None) -> None:
        from django.db import connection, models

        started = time.perf_counter()
        table = model._meta.db_table
        if connection.vendor != "postgresql":  # SQLite (the demo): bulk_create, same rows
            model.objects.bulk_create([model(**row) for row in rows], batch_size=5000)
            self._timed(table, len(rows), started)
            return
        if columns is None:
            pk = model._meta.pk
            fields = [f for f in model._meta.concrete_fields if f is not pk or (rows and rows[0].get(pk.attname))]
            names = [f.column for f in fields]
            defaults = []
            for f in fields:
                if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                    default = self.now
                else:
                    default = f.get_default()
                defaults.append(default)
            attnames = [f.attname for f in fields]
            json_columns = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
        else:
            names = attnames = columns
            defaults = [None] * len(columns)
            json_columns = set()
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    values = [row.get(a, d) for a, d in zip(attnames, defaults, strict=True)]
                    for i in json_columns:
                        values[i] = json.dumps(values[i])
                    copy.write_row(values)
        self._timed(table, len(rows), started)

    def _timed(self, table: str, rows: int, started: float) -> None:
        done, spent = self.figures.get(table, (0, 0.0))
        self.figures[table] = (done + rows, spent + time.perf_counter() - started)


def generate(
    *,
    scale: float = 1.0,
    models: int | None = None,
    use_cases: int | None = None,
    versions: int | None = None,
    points: int | None = None,
    audit_events: int | None = None,
    units: int = len(UNITS),
    people: int | None = None,
    seed: int = 8,
    stdout=None,
) -> dict[str, tuple[int, float]]:
    """Append a portfolio of the given size; returns {table: (rows, seconds)}. `units` business units (beyond the
    twelve named ones, BU13, BU14, ...) and about `people` generated users (default: a program manager and five data
    scientists per unit, besides one signer per sign-off function and an executive)."""
    from django.db import connection

    from core.seeding import seeding_bypass

    sizes = {key: max(1, round(value * scale)) for key, value in DEFAULTS.items()}
    given = {"models": models, "use_cases": use_cases, "versions": versions, "points": points}
    sizes.update({k: v for k, v in given.items() if v is not None})
    if audit_events is not None:
        sizes["audit_events"] = audit_events
    sizes["versions"] = max(sizes["versions"], sizes["models"])
    sizes["units"], sizes["people"] = units, people
    rng = random.Random(seed)
    writer = Writer(datetime.now(UTC))
    # Versions go straight into production and past stages: the table owner's seeding pass (core/seeding.py).
    with seeding_bypass():
        _generate(writer, rng, sizes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if stdout is not None:
        for table, (rows, seconds) in writer.figures.items():
            stdout.write(f"{table:36s} {rows:>10,d} rows {seconds:7.2f} s {rows / max(seconds, 1e-9):>12,.0f} rows/s\n")
    return writer.figures


def _generate(w: Writer, rng: random.Random, sizes: dict) -> None:  # noqa: C901 - one straight script
    from django.contrib.auth.models import Group, User
    from django.core.management.color import no_style
    from django.db import connection

    from audit.models import AuditEvent
    from audit.services import GENESIS_HASH, _lock_chain, compute_hash
    from core.roles import ROLE_BY_KEY
    from governance.digest import content_digest
    from governance.models import FUNCTION_NAMES, Questionnaire, Review, ReviewPolicy, RiskAssessment, SignOff
    from lifecycle.models import AIModel, ModelVersion
    from lifecycle.services import version_digest
    from monitoring.models import MetricDefinition, MetricPoint, MetricSeries
    from portfolio.models import BusinessUnit, Membership, UseCase

    now = w.now
    tag = uuid.uuid4().hex[:6]

    # Business units (shared between runs) and people.
    units = []
    extra = [(f"BU{n:02d}", f"Business unit {n}") for n in range(len(UNITS) + 1, sizes["units"] + 1)]
    for code, name in (UNITS + extra)[: sizes["units"]]:
        unit = BusinessUnit.objects.filter(code=code).first() or BusinessUnit.objects.create(code=code, name=name)
        units.append(unit)
    groups = {g.name: g for g in Group.objects.all()}
    user_rows, memberships, group_links = [], [], []
    next_user = w.next_id(User)

    def person(username, first, last, role_names, unit_list=()):
        nonlocal next_user
        row = {
            "id": next_user,
            "password": "!",
            "username": username,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@lodestar.example",
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
            "date_joined": now,
        }
        next_user += 1
        user_rows.append(row)
        for role in role_names:
            group_links.append({"user_id": row["id"], "group_id": groups[role].pk})
        for unit in unit_list:
            memberships.append({"user_id": row["id"], "business_unit_id": unit.pk})
        return row["id"]

    pm_of, ds_of = {}, {}
    # Data scientists per unit: five, or what is left of `people` after the program managers, signers, executive.
    scientists = 5 * len(units) if sizes["people"] is None else sizes["people"] - len(units) - len(FUNCTION_NAMES) - 1
    for n, unit in enumerate(units):
        pm_of[unit.pk] = person(f"pm-{unit.code.lower()}-{tag}", "Pat", unit.code.title(), ["Program manager"], [unit])
        ds_of[unit.pk] = [
            person(f"ds{i}-{unit.code.lower()}-{tag}", "Dana", f"{unit.code.title()} {i}", ["Data scientist"], [unit])
            for i in range(max(1, scientists // len(units) + (n < scientists % len(units))))
        ]
    signer_of = {
        code: person(f"signer-{code}-{tag}", "Sam", name, [f"Sign-off: {name}", "Review board member"])
        for code, name in FUNCTION_NAMES.items()
    }
    executive = person(f"exec-{tag}", "Erin", "Executive", [ROLE_BY_KEY["executive"].name])
    w.copy(User, user_rows)
    w.copy(User.groups.through, group_links, columns=["user_id", "group_id"])
    w.copy(Membership, memberships)
    people = [r["id"] for r in user_rows]

    # Use cases.
    next_uc, number = (
        w.next_id(UseCase),
        (UseCase.objects.order_by("-number").values_list("number", flat=True).first() or 0),
    )
    use_case_rows = []
    for n in range(sizes["use_cases"]):
        unit = units[n % len(units)]
        status = _pick(rng, USE_CASE_STATUSES)
        tier = _pick(rng, TIERS)
        value = Decimal(rng.randrange(50, 20_000) * 1000)
        use_case_rows.append(
            {
                "id": next_uc + n,
                "created_at": now - timedelta(days=rng.randrange(30, 1500)),
                "number": number + n + 1,
                "title": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} for {unit.name} #{n}",
                "problem_statement": f"Reduce manual {rng.choice(WORDS)} work in {unit.name}.",
                "business_unit_id": unit.pk,
                "sponsor_id": pm_of[unit.pk],
                "owner_id": pm_of[unit.pk],
                "status": status,
                "risk_tier": tier,
                "confidential": rng.random() < 0.1,
                "estimated_value": value,
                "estimated_cost": (value * Decimal(rng.randrange(10, 80)) / 100).quantize(Decimal("1.00")),
                "budget_innovation": Decimal(rng.randrange(0, 500) * 1000),
                "budget_tech_debt": Decimal(rng.randrange(0, 200) * 1000),
                "sourcing": rng.choice(["build", "buy", "partner", "undecided"]),
                "data_sources_available": rng.random() < 0.7,
                "data_quality": rng.choice(["low", "medium", "high"]),
                "data_access_agreed": rng.random() < 0.6,
                "integration_complexity": rng.choice(["low", "medium", "high"]),
                "created_by_id": pm_of[unit.pk],
            }
        )
    w.copy(UseCase, use_case_rows)

    # Approved impact assessments of every use case that models serve in or past approval.
    questionnaire = Questionnaire.objects.order_by("-version").first()
    assessments = []
    next_ra = w.next_id(RiskAssessment)
    for n, uc in enumerate(use_case_rows):
        assessments.append(
            {
                "id": next_ra + n,
                "use_case_id": uc["id"],
                "questionnaire_id": questionnaire.pk,
                "status": "approved",
                "eu_category": "high" if uc["risk_tier"] in ("high", "critical") else "minimal",
                "tier": uc["risk_tier"],
                "author_id": uc["owner_id"],
                "submitted_at": now - timedelta(days=200),
                "approved_by_id": signer_of["risk"],
                "approved_at": now - timedelta(days=199),
                "reassessment_due": (now + timedelta(days=rng.randrange(10, 365))).date(),
            }
        )
    w.copy(RiskAssessment, assessments)

    # Models, their owners, their versions.
    next_model = w.next_id(AIModel)
    model_rows, owner_rows, model_objs = [], [], []
    use_case_by_id = {uc["id"]: uc for uc in use_case_rows}
    uc_objs = {}
    for n in range(sizes["models"]):
        uc = use_case_rows[rng.randrange(len(use_case_rows))]
        name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{tag}-{n:05d}"
        row = {
            "id": next_model + n,
            "created_at": uc["created_at"] + timedelta(days=rng.randrange(1, 30)),
            "name": name,
            "use_case_id": uc["id"],
            "description": f"Scores {rng.choice(WORDS)} for {uc['title']}.",
            "model_type": rng.choice(MODEL_TYPES),
            "third_party": rng.random() < 0.15,
            "confidential": uc["confidential"] or rng.random() < 0.03,
            "mlflow_name": name,
            "primary_metric": "auc",
            "higher_is_better": True,
            "metric_tolerance": 0.01,
        }
        model_rows.append(row)
        team = ds_of[uc["business_unit_id"]]
        for owner in rng.sample(team, rng.choice((1, 1, 2))):
            owner_rows.append({"aimodel_id": row["id"], "user_id": owner})
        if uc["id"] not in uc_objs:
            uc_objs[uc["id"]] = UseCase(
                id=uc["id"], problem_statement=uc["problem_statement"], risk_tier=uc["risk_tier"]
            )
        model_objs.append(AIModel(id=row["id"], name=name, use_case=uc_objs[uc["id"]]))
    w.copy(AIModel, model_rows)
    w.copy(AIModel.owners.through, owner_rows, columns=["aimodel_id", "user_id"])

    per_model = [1] * sizes["models"]
    for _ in range(sizes["versions"] - sizes["models"]):
        per_model[rng.randrange(sizes["models"])] += 1
    next_version = w.next_id(ModelVersion)
    version_rows, reviewed = [], []
    for model_row, model_obj, count in zip(model_rows, model_objs, per_model, strict=True):
        unit = use_case_by_id[model_row["use_case_id"]]["business_unit_id"]
        for v in range(1, count + 1):
            latest = v == count
            stage = _pick(rng, LATEST_STAGES) if latest else _pick(rng, OLDER_STAGES)
            version = ModelVersion(
                id=next_version + len(version_rows),
                model=model_obj,
                version=str(v),
                mlflow_version=str(v),
                mlflow_run_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                source_uri=f"s3://models/{model_row['name']}/{v}",
                framework=rng.choice(["sklearn", "xgboost", "pytorch", "transformers"]),
                serialization_format=rng.choice(["pickle", "ONNX", "TorchScript"]),
                signature={"inputs": [{"name": "amount", "type": "double"}], "outputs": [{"type": "double"}]},
                metrics={"auc": round(rng.uniform(0.7, 0.95), 4), "recall": round(rng.uniform(0.6, 0.95), 4)},
                params={"max_depth": rng.randrange(3, 12)},
                code_commit=uuid.UUID(int=rng.getrandbits(128)).hex[:40],
            )
            version.digest = version_digest(version)
            version_rows.append(
                {
                    **{f.attname: getattr(version, f.attname) for f in ModelVersion._meta.concrete_fields},
                    "created_at": model_row["created_at"] + timedelta(days=30 * v),
                    "updated_at": now,
                    "stage": stage,
                    "submitted_by_id": ds_of[unit][0],
                }
            )
            if stage in REVIEWED:
                version._prefetched_objects_cache = {"dataset_links": []}
                reviewed.append((version, stage))
    w.copy(ModelVersion, version_rows)

    # An approved review with every required sign-off, on the version's current content.
    policies = {p.tier: p for p in ReviewPolicy.objects.order_by("tier", "version")}
    next_review, review_rows, sign_off_rows, reviewed_digest = w.next_id(Review), [], [], {}
    for n, (version, _stage) in enumerate(reviewed):
        policy = policies[version.model.use_case.risk_tier]
        closed = now - timedelta(days=rng.randrange(1, min(policy.approval_validity_days, 170)))
        review_rows.append(
            {
                "id": next_review + n,
                "version_id": version.pk,
                "policy_id": policy.pk,
                "policy_snapshot": policy.snapshot(),
                "status": "approved",
                "opened_by_id": executive,
                "opened_at": closed - timedelta(days=5),
                "closed_at": closed,
            }
        )
        digest = content_digest(version)
        reviewed_digest[version.pk] = (digest, policy, closed)
        for function in policy.required_functions:
            sign_off_rows.append(
                {
                    "review_id": next_review + n,
                    "function": function,
                    "signer_id": signer_of[function],
                    "signer_name": f"Sam {FUNCTION_NAMES[function]}",
                    "decision": "approve",
                    "meaning": f"I approve this version for {FUNCTION_NAMES[function].lower()}.",
                    "digest": digest,
                    "artefact_digest": version.digest,
                    "policy_version": policy.version,
                    "signed_at": closed - timedelta(hours=1),
                }
            )
    w.copy(Review, review_rows)
    w.copy(SignOff, sign_off_rows)

    # Monitoring: three series per production version, the points spread evenly over them.
    definitions = dict(MetricDefinition.objects.filter(name__in=MONITORED).values_list("name", "pk"))
    production = [row for row in version_rows if row["stage"] == "production"] or version_rows[:1]
    series_rows = []
    next_series = w.next_id(MetricSeries)
    per_series = max(1, -(-sizes["points"] // (len(production) * len(MONITORED))))
    start_ms = int((now - timedelta(days=per_series)).timestamp() * 1000) // 86_400_000 * 86_400_000
    for row in production:
        for metric in MONITORED:
            series_rows.append(
                {
                    "id": next_series + len(series_rows),
                    "model_version_id": row["id"],
                    "run_id": row["mlflow_run_id"],
                    "metric_id": definitions[metric],
                    "last_step": per_series - 1,
                    "last_timestamp": start_ms + (per_series - 1) * 86_400_000,
                    "synced_at": now,
                }
            )
    w.copy(MetricSeries, series_rows)
    base = {"psi": (0.05, 0.03), "auc": (0.85, 0.02), "latency_p95_ms": (120.0, 15.0)}
    metric_of = {v: k for k, v in definitions.items()}

    def points():
        left = sizes["points"]
        for s in series_rows:
            mean, spread = base[metric_of[s["metric_id"]]]
            for step in range(min(per_series, left)):
                yield {"series_id": s["id"], "step": step, "timestamp": start_ms + step * 86_400_000,
                       "value": round(rng.gauss(mean, spread), 5)}  # fmt: skip
            left -= per_series
            if left <= 0:
                return

    point_columns = ["series_id", "step", "timestamp", "value"]
    batch = []
    for point in points():
        batch.append(point)
        if len(batch) == 200_000:
            w.copy(MetricPoint, batch, columns=point_columns)
            batch = []
    if batch:
        w.copy(MetricPoint, batch, columns=point_columns)

    signers = (ds_of, signer_of, executive)
    _governance_records(
        w, rng, now, units, use_case_rows, model_rows, version_rows, production, reviewed_digest, signers
    )

    # The audit trail: continue the chain from its head.
    _lock_chain()
    started = time.perf_counter()
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    seq, prev = (head["seq"], head["hash"]) if head else (0, GENESIS_HASH)
    span = timedelta(days=365)
    total = sizes["audit_events"]
    event_rows = []
    unit_of_uc = {uc["id"]: uc["business_unit_id"] for uc in use_case_rows}
    names = {r["id"]: r["username"] for r in user_rows}
    for i in range(total):
        kind = rng.random()
        if kind < 0.5:
            row = version_rows[rng.randrange(len(version_rows))]
            model_row = model_rows[row["model_id"] - next_model]
            action, target_type = "model_version.transitioned", "lifecycle.modelversion"
            target_id, target_repr = row["id"], f"{model_row['name']} v{row['version']}"
            unit = unit_of_uc[model_row["use_case_id"]]
            changes = {"stage": ["staging", "production"]}
        elif kind < 0.8:
            model_row = model_rows[rng.randrange(len(model_rows))]
            action, target_type = "model.updated", "lifecycle.aimodel"
            target_id, target_repr = model_row["id"], model_row["name"]
            unit = unit_of_uc[model_row["use_case_id"]]
            changes = {"description": ["", model_row["description"]]}
        else:
            uc = use_case_rows[rng.randrange(len(use_case_rows))]
            action, target_type = "use_case.updated", "portfolio.usecase"
            target_id, target_repr = uc["id"], f"UC-{uc['number']:03d} {uc['title']}"
            unit = uc["business_unit_id"]
            changes = {"estimated_value": ["0.00", str(uc["estimated_value"])]}
        actor = people[rng.randrange(len(people))]
        seq += 1
        event = AuditEvent(
            seq=seq,
            at=now - span + span * (i + 1) / (total + 1),
            actor_id=actor,
            actor_name=names[actor],
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            target_repr=target_repr[:300],
            business_unit_id=unit,
            changes=changes,
            reason="",
            request_id=uuid.UUID(int=rng.getrandbits(128)).hex,
            ip_address="10.0.0.1",
            prev_hash=prev,
        )
        event.hash = prev = compute_hash(event)
        event_rows.append({f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields})
    chained = time.perf_counter() - started
    w.copy(AuditEvent, event_rows)
    rows, seconds = w.figures["audit_auditevent"]
    w.figures["audit_auditevent"] = (rows, seconds + chained)

    # Sequences follow the explicit ids.
    touched = [User, Membership, UseCase, RiskAssessment, AIModel, ModelVersion, Review, SignOff, MetricSeries]
    touched += [MetricPoint, AuditEvent, AIModel.owners.through, User.groups.through]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), touched):
            cursor.execute(statement)
    _bench_users(units[0])


# The people the latency and load benchmarks log in as (role, business unit).
BENCH_USERS = {
    "bench-exec": ("executive", None),
    "bench-ds": ("data_scientist", "RETAIL"),
    "bench-pm": ("program_manager", "RETAIL"),
    "bench-board": ("review_board", None),
    "bench-admin": ("platform_admin", None),
}


def _bench_users(unit) -> None:
    """The people the latency and load benchmarks log in as."""
    from django.contrib.auth.models import Group, User

    from core.roles import ROLE_BY_KEY
    from portfolio.models import Membership

    for username, (role, unit_code) in BENCH_USERS.items():
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username})
        user.groups.add(Group.objects.get(name=ROLE_BY_KEY[role].name))
        if unit_code:
            Membership.objects.get_or_create(user=user, business_unit=unit)


def _governance_records(
    w, rng, now, units, use_case_rows, model_rows, version_rows, production, reviewed_digest, people
) -> None:
    """What the dashboards' other panels read, in proportion to the portfolio: a health check of every production
    version, budgets of every unit and of a tenth of the production models, accepted test evidence of every kind
    the review policy asks of each reviewed version (on its reviewed content), compliance evidence for the high
    and critical use cases, and concerns on one use case in ten."""
    from compliance.models import Control, Evidence
    from governance.choices import TEST_EVIDENCE_REVIEWER
    from governance.models import Concern, TestEvidence
    from monitoring.models import Budget, HealthCheck

    ds_of, signer_of, executive = people
    model_by_id = {row["id"]: row for row in model_rows}
    use_case_by_id = {uc["id"]: uc for uc in use_case_rows}

    def unit_of_version(row):
        return use_case_by_id[model_by_id[row["model_id"]]["use_case_id"]]["business_unit_id"]

    health_rows = []
    for row in production:
        status = _pick(rng, [("good", 70), ("warning", 20), ("bad", 10)])
        reasons = {
            "good": [],
            "warning": [{"severity": "warning", "kind": "drift", "text": "PSI above 0.1 on the last day."}],
            "bad": [{"severity": "bad", "kind": "alert", "text": "A critical alert is open."}],
        }[status]
        score = {"good": rng.randrange(90, 101), "warning": rng.randrange(60, 90), "bad": rng.randrange(10, 60)}[status]
        health_rows.append(
            {
                "model_version_id": row["id"],
                "status": status,
                "score": score,
                "reasons": reasons,
                "checked_at": now,
                "status_since": now - timedelta(days=rng.randrange(0, 60)),
            }
        )
    w.copy(HealthCheck, health_rows)

    month = now.date().replace(day=1)
    start = (month - timedelta(days=150)).replace(day=1)
    budgeted_units = set(Budget.objects.filter(model__isnull=True).values_list("business_unit_id", flat=True))
    budget_rows = [
        {
            "business_unit_id": unit.pk,
            "monthly_amount": Decimal(rng.randrange(50, 500) * 1000),
            "valid_from": start,
            "note": "Generated",
            "created_by_id": executive,
        }
        for unit in units
        if unit.pk not in budgeted_units
    ]
    for row in rng.sample(production, max(1, len(production) // 10)) if production else []:
        budget_rows.append(
            {
                "model_id": row["model_id"],
                "business_unit_id": unit_of_version(row),
                "valid_from": start,
                "monthly_amount": Decimal(rng.randrange(1, 40) * 500),
                "note": "Generated",
                "created_by_id": executive,
            }
        )
    w.copy(Budget, budget_rows)

    test_rows = []
    by_id = {row["id"]: row for row in version_rows}
    for version_id, (digest, policy, closed) in reviewed_digest.items():
        for kind in policy.required_test_evidence or []:
            validation = kind == "validation_protocol"
            test_rows.append(
                {
                    "version_id": version_id,
                    "kind": kind,
                    "method": "holdout" if validation else "",
                    "summary": f"Generated {kind.replace('_', ' ')} of the reviewed content.",
                    "results": by_id[version_id]["metrics"] if validation else {},
                    "reference": f"DOC-{version_id}-{kind}",
                    "submitted_by_id": ds_of[unit_of_version(by_id[version_id])][0],
                    "submitted_at": closed - timedelta(days=3),
                    "version_digest": digest,
                    "status": "accepted",
                    "reviewed_by_id": signer_of[TEST_EVIDENCE_REVIEWER[kind]],
                    "reviewed_at": closed - timedelta(days=2),
                }
            )
    w.copy(TestEvidence, test_rows)

    controls = list(Control.objects.values_list("pk", "applies_high"))
    evidence_rows = []
    for uc in use_case_rows:
        if uc["risk_tier"] not in ("high", "critical") or not controls:
            continue
        for control, _ in rng.sample(controls, min(3, len(controls))):
            status = _pick(rng, [("accepted", 70), ("submitted", 20), ("rejected", 10)])
            evidence_rows.append(
                {
                    "control_id": control,
                    "use_case_id": uc["id"],
                    "kind": "text",
                    "status": status,
                    "text": f"Control in place for {uc['title']}.",
                    "description": "Generated",
                    "submitted_by_id": uc["owner_id"],
                    "created_at": now - timedelta(days=rng.randrange(5, 200)),
                    "reviewer_id": None if status == "submitted" else signer_of["compliance"],
                    "reviewed_at": None if status == "submitted" else now - timedelta(days=rng.randrange(1, 5)),
                    "review_comment": "Not enough detail." if status == "rejected" else "",
                    "expires_on": (now + timedelta(days=rng.randrange(-30, 365))).date(),
                }
            )
    w.copy(Evidence, evidence_rows)

    concern_rows = []
    for uc in rng.sample(use_case_rows, max(1, len(use_case_rows) // 10)):
        status = _pick(rng, [("open", 30), ("triaged", 30), ("resolved", 30), ("dismissed", 10)])
        triaged = status != "open"
        closed = status in ("resolved", "dismissed")
        concern_rows.append(
            {
                "use_case_id": uc["id"],
                "kind": rng.choice(["ethics", "data_ownership", "fairness", "privacy", "safety"]),
                "description": f"A question about how {uc['title']} treats its customers.",
                "anonymous": rng.random() < 0.3,
                "reporter_id": rng.choice(ds_of[uc["business_unit_id"]]),
                "status": status,
                "severity": rng.choice(["low", "medium", "high", "critical"]) if triaged else "",
                "assignee_id": signer_of["compliance"] if triaged else None,
                "triaged_by_id": executive if triaged else None,
                "triaged_at": now - timedelta(days=10) if triaged else None,
                "respond_by": (now + timedelta(days=rng.randrange(-10, 30))).date(),
                "outcome": "Handled with the owners." if closed else "",
                "closed_by_id": executive if closed else None,
                "closed_at": now - timedelta(days=2) if closed else None,
                "created_at": now - timedelta(days=rng.randrange(12, 120)),
            }
        )
    w.copy(Concern, concern_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every default size (0.01: a small run)")
    for key in DEFAULTS:
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None)
    parser.add_argument("--units", type=int, default=len(UNITS), help="business units (default: the twelve named)")
    parser.add_argument("--people", type=int, default=None, help="generated users (default: six per unit + 8)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    started = time.perf_counter()
    figures = generate(
        scale=args.scale,
        models=args.models,
        use_cases=args.use_cases,
        versions=args.versions,
        points=args.points,
        audit_events=args.audit_events,
        units=args.units,
        people=args.people,
        stdout=sys.stdout,
    )
    print(f"{sum(r for r, _ in figures.values()):,d} rows in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
