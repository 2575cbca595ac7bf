"""The list pages sort, paginate and export the same way (core/tables.py): every sortable header sorts both ways,
an unknown `sort=` is ignored, the CSV export is the list as filtered and sorted (every page of it, and only
what the reader may see), and sorting costs no extra query per row."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import services as audit
from lifecycle import datasets
from lifecycle.choices import Stage
from monitoring import services as monitoring
from monitoring.models import Alert, MetricDefinition
from portfolio import services as portfolio
from tests.monitoring.factories import series_of, store, version_of

pytestmark = pytest.mark.django_db

# (URL name, the sortable keys its headers offer): the main list pages of issue 19's design pass.
LISTS = {
    "portfolio:usecase_list": ["code", "title", "unit", "status", "risk", "value", "cost"],
    "portfolio:objective_list": ["kpi", "baseline", "latest", "target", "by", "source"],
    "lifecycle:model_list": ["model", "use_case", "unit", "mlflow", "versions", "production"],
    "lifecycle:version_list": ["model", "version", "stage", "use_case", "unit", "registered"],
    "lifecycle:dataset_list": [
        "dataset",
        "source",
        "steward",
        "sensitivity",
        "mode",
        "complete",
        "schemas",
        "versions",
    ],
    "lifecycle:incident_list": ["when", "model", "kind", "by"],
    "monitoring:alert_list": [
        "id",
        "rule",
        "version",
        "severity",
        "status",
        "latest",
        "breaches",
        "money",
        "assignee",
    ],
    "audit:event_list": ["seq", "at", "actor", "action", "target"],
    "governance:review_list": ["id", "version", "use_case", "tier", "status", "opened", "closed"],
}


@pytest.fixture
def people(units, make_user):
    return {
        "pm": make_user("pm", "program_manager", "data_scientist", units=(units["RETAIL"],), first_name="Pia"),
        "corp": make_user("corp", "program_manager", "data_scientist", units=(units["CORP"],)),
        "admin": make_user("root", is_superuser=True),
    }


@pytest.fixture
def estate(people, units):
    """Three retail use cases with models in production and alerts, a confidential corporate one, three datasets
    and two KPIs."""
    pm = people["pm"]
    versions = [version_of(pm=pm, ds=pm, unit=units["RETAIL"], name=name) for name in ("beta", "alpha", "gamma")]
    for version, value in zip(versions, ("200", "10", "50"), strict=True):
        portfolio.use_case_update(actor=pm, use_case=version.model.use_case, estimated_value=Decimal(value))
    corp = people["corp"]  # its version is reviewed and approved: the review list has a row
    secret = version_of(pm=corp, ds=corp, unit=units["CORP"], name="corporate", stage=Stage.APPROVED).model.use_case
    portfolio.use_case_update(actor=people["corp"], use_case=secret, confidential=True)
    for name in ("zeta.sales", "eta.claims", "Fraud.labels"):
        datasets.dataset_register(actor=pm, name=name, source_system="warehouse", steward=pm)
    objective = portfolio.objective_create(actor=pm, title="Faster claims", business_unit=units["RETAIL"])
    for name, target in (("Handling days", "3"), ("Automation rate", "60")):
        portfolio.kpi_create(
            actor=pm, objective=objective, name=name, unit="%", baseline=Decimal("10"), baseline_date=date(2026, 1, 1),
            target=Decimal(target), target_date=date(2027, 1, 1),
        )  # fmt: skip
    metric = MetricDefinition.objects.get(name="psi")
    for version, money in zip(versions, (Decimal("15"), None, Decimal("5")), strict=True):
        monitoring.alert_rule_create(
            actor=pm, name=f"drift {version.model.name}", metric=metric, scope_kind="model", model=version.model,
            condition="above", threshold=0.2,
        )  # fmt: skip
        store(series_of(version, "psi"), [0.9])
        Alert.objects.filter(model_version=version).update(money_at_risk=money)
    return versions


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def _column(rows, header) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize("url_name", LISTS)
def test_every_sortable_header_sorts_both_ways_and_says_so(url_name, people, estate):
    client, url = _client(people["admin"]), reverse(url_name)
    page = client.get(url).content.decode()
    offered = [key for key in LISTS[url_name] if f'data-sort="{key}"' in page]
    assert offered == LISTS[url_name], "the headers offer exactly the whitelisted sorts"
    for key in LISTS[url_name]:
        for asked, state in ((key, "ascending"), (f"-{key}", "descending")):
            response = client.get(url, {"sort": asked})
            assert response.status_code == 200, (url_name, asked)
            html = response.content.decode()
            assert f'aria-sort="{state}"' in html and html.count("aria-sort=") == 1, (url_name, asked)
            # The header of the sorted column reverses it next; the export keeps the sort.
            other = f"sort=-{key}" if state == "ascending" else f"sort={key}"
            assert f'{other}" data-sort="{key}"' in html
            assert f'href="?sort={asked}&amp;format=csv"' in html


def test_sorting_orders_the_rows_as_a_reader_expects(people, estate):
    client = _client(people["pm"])
    titles = lambda sort: _column(  # noqa: E731
        _csv(client.get(reverse("portfolio:usecase_list"), {"sort": sort, "format": "csv"})), "title"
    )
    assert titles("title") == ["Use of alpha", "Use of beta", "Use of gamma"]
    assert titles("-title") == ["Use of gamma", "Use of beta", "Use of alpha"]
    assert titles("-value") == ["Use of beta", "Use of gamma", "Use of alpha"]
    assert titles("value") == ["Use of alpha", "Use of gamma", "Use of beta"]
    money = lambda sort: _column(  # noqa: E731
        _csv(client.get(reverse("monitoring:alert_list"), {"sort": sort, "format": "csv"})), "Money at risk / day"
    )
    # Highest first, and the alert without a money figure last either way (not first when descending).
    assert money("-money") == ["15.00", "5.00", ""]
    assert money("money") == ["5.00", "15.00", ""]
    # A field with choices sorts in their declared order (info, warning, critical), not alphabetically.
    for alert, severity in zip(Alert.objects.order_by("pk"), ("critical", "info", "warning"), strict=True):
        Alert.objects.filter(pk=alert.pk).update(severity=severity)
    severities = lambda sort: _column(  # noqa: E731
        _csv(client.get(reverse("monitoring:alert_list"), {"sort": sort, "format": "csv"})), "Severity"
    )
    assert severities("-severity") == ["Critical", "Warning", "Info"]
    assert severities("severity") == ["Info", "Warning", "Critical"]
    # A link made before the headers sorted still works.
    page = client.get(reverse("monitoring:alert_list"), {"ordering": "-money_at_risk"}).content.decode()
    cells = page.split('data-testid="money-at-risk">')[1:]
    assert [c.split("</td>")[0].strip() for c in cells] == ["15.00", "5.00", "—"]
    exported = lambda url_name, sort, header: _column(  # noqa: E731
        _csv(client.get(reverse(url_name), {"sort": sort, "format": "csv"})), header
    )
    assert exported("portfolio:objective_list", "-target", "kpi") == ["Automation rate", "Handling days"]
    # Text sorts as a reader sorts it, whatever the case.
    names = exported("lifecycle:dataset_list", "-dataset", "Dataset")
    assert names == ["zeta.sales", "test.training_data", "Fraud.labels", "eta.claims"]


@pytest.mark.parametrize("asked", ["password", "owner__password", "-", "--title", "title,pk", "x" * 500])
def test_an_unknown_sort_is_ignored_not_an_error(asked, people, estate):
    client = _client(people["pm"])
    default = _csv(client.get(reverse("portfolio:usecase_list"), {"format": "csv"}))
    response = client.get(reverse("portfolio:usecase_list"), {"sort": asked})
    assert response.status_code == 200 and "aria-sort" not in response.content.decode()
    assert _csv(client.get(reverse("portfolio:usecase_list"), {"sort": asked, "format": "csv"})) == default
    for url_name in LISTS:
        assert _client(people["admin"]).get(reverse(url_name), {"sort": asked}).status_code == 200, url_name


def test_the_export_is_the_filtered_sorted_list_the_reader_may_see(people, estate, units):
    pm, corp = _client(people["pm"]), _client(people["corp"])
    url = reverse("portfolio:usecase_list")
    codes = _column(_csv(pm.get(url, {"format": "csv", "q": "a", "sort": "-title"})), "code")
    assert codes == [uc.model.use_case.code for uc in (estate[2], estate[0], estate[1])]  # gamma, beta, alpha
    assert _column(_csv(pm.get(url, {"format": "csv", "q": "gamma"})), "code") == [estate[2].model.use_case.code]
    # The confidential corporate use case is in its unit's export, not in the retail reader's, as in their lists.
    assert "Use of corporate" in _column(_csv(corp.get(url, {"format": "csv"})), "title")
    assert "Use of corporate" not in _column(_csv(pm.get(url, {"format": "csv"})), "title")
    assert "corporate" in _column(_csv(corp.get(reverse("lifecycle:version_list"), {"format": "csv"})), "Model")
    assert "corporate" not in _column(_csv(pm.get(reverse("lifecycle:version_list"), {"format": "csv"})), "Model")
    # The export is every page, not the one shown.
    admin = _client(people["admin"])
    for n in range(60):
        audit.record(actor=people["admin"], action="test.filler", target_repr=f"filler {n}")
    events = _csv(admin.get(reverse("audit:event_list"), {"format": "csv", "sort": "seq"}))
    seqs = [int(s) for s in _column(events, "seq")]
    assert len(seqs) > 50 and seqs == sorted(seqs)  # the page shows 50
    filler = _csv(admin.get(reverse("audit:event_list"), {"format": "csv", "action": "test.filler", "sort": "-target"}))
    assert _column(filler, "target_repr")[:3] == ["filler 9", "filler 8", "filler 7"]
    reviews = reverse("governance:review_list")
    approved = _csv(admin.get(reviews, {"format": "csv", "status": "approved"}))
    assert _column(approved, "Version") == ["corporate v1"] and _column(approved, "Status") == ["Approved"]
    assert _column(_csv(admin.get(reviews, {"format": "csv", "status": "open"})), "Version") == []
    assert _column(_csv(pm.get(reviews, {"format": "csv"})), "Version") == []  # a confidential use case's review
    # The "Export CSV" link on the page carries its filters and sort.
    page = pm.get(url, {"q": "a", "sort": "-title"}).content.decode()
    assert 'href="?q=a&amp;sort=-title&amp;format=csv"' in page


def test_sorting_adds_no_query_per_row(people, estate, units):
    client = _client(people["admin"])

    def count(url_name, sort):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name), {"sort": sort}).status_code == 200
        return len(queries)

    before = {name: count(name, f"-{keys[-1]}") for name, keys in LISTS.items()}
    for name in ("more", "most"):
        version = version_of(pm=people["pm"], ds=people["pm"], unit=units["RETAIL"], name=name)
        datasets.dataset_register(actor=people["pm"], name=f"{name}.data", steward=people["pm"])
        store(series_of(version, "psi"), [0.9])
    after = {name: count(name, f"-{keys[-1]}") for name, keys in LISTS.items()}
    assert after == before
