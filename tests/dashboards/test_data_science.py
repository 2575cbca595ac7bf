"""The data scientist's dashboard: what blocks my versions and what to do, my alerts, my models by stage."""

import pytest

from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring import services
from monitoring.models import Alert, MetricDefinition
from portfolio import services as portfolio
from tests.monitoring.factories import series_of, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    other = make_user("ds-other", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    models = [lifecycle.model_register(actor=owner, name=f"m-{owner}", use_case=use_case) for owner in (ds, other)]
    versions = []
    for model in models:
        owner = model.owners.first()
        version = lifecycle.model_version_register(actor=owner, model=model, version="1", signature={"inputs": "[x]"})
        lifecycle.model_version_transition(actor=owner, version=version, to_stage=Stage.IN_VALIDATION)
        versions.append(ModelVersion.objects.get(pk=version.pk))
    return ds, versions


def test_blocked_versions_say_what_to_do_and_only_mine_show(client, mine):
    ds, (my_version, their_version) = mine
    client.force_login(ds)
    page = client.get("/dashboards/data-science/").content.decode()
    blocked = page.split('data-testid="blocked"')[1].split("</section>")[0]
    assert "m-ds v1" in blocked and "m-ds-other" not in blocked
    assert "No training dataset is recorded for this version: link the data it was trained on." in blocked
    assert "impact assessment approved" in blocked


def test_my_alerts_and_models_by_stage(client, mine, django_assert_max_num_queries):
    ds, (my_version, their_version) = mine
    with seeding_bypass():
        ModelVersion.objects.filter(pk=my_version.pk).update(stage=Stage.PRODUCTION)
    services.alert_rule_create(
        actor=ds,
        name="PSI high",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=my_version.model,
        condition="above",
        threshold=0.2,
        severity="critical",
    )
    store(series_of(my_version, "psi"), [0.1, 0.3])
    assert Alert.objects.filter(model_version=my_version).count() == 1
    client.force_login(ds)
    client.get("/dashboards/data-science/")
    with django_assert_max_num_queries(40):
        page = client.get("/dashboards/data-science/").content.decode()
    alerts = page.split('data-testid="my-alerts"')[1].split("</section>")[0]
    assert "psi is 0.3" in alerts and "Critical" in alerts
    models = page.split('data-testid="my-models"')[1].split("</section>")[0]
    assert "m-ds" in models and "m-ds-other" not in models


def test_unit_filter_and_exports_keep_to_my_models(client, units, make_user, mine):
    ds, (my_version, their_version) = mine
    corp_case = portfolio.use_case_create(
        actor=make_user("pm-corp", "program_manager", units=(units["CORP"],)), title="Corp", business_unit=units["CORP"]
    )
    from portfolio.models import Membership

    Membership.objects.create(user=ds, business_unit=units["CORP"])
    ds = type(ds).objects.get(pk=ds.pk)  # memberships are cached on the user object
    lifecycle.model_register(actor=ds, name="m-corp", use_case=corp_case)
    client.force_login(ds)
    everything = client.get("/dashboards/data-science/?export=models").content.decode().splitlines()
    assert [line.split(",")[0] for line in everything[1:]] == ["m-corp", "m-ds"]  # never m-ds-other
    retail = client.get("/dashboards/data-science/?unit=RETAIL&export=models").content.decode().splitlines()
    assert [line.split(",")[0] for line in retail[1:]] == ["m-ds"]
    page = client.get("/dashboards/data-science/?unit=CORP").content.decode()
    assert (
        'id="models-chart"' in page and "m-ds v1" not in page.split('data-testid="blocked"')[1].split("</section>")[0]
    )


def test_my_open_retraining_requests_show(client, mine):
    from monitoring import retraining

    ds, (my_version, their_version) = mine
    retraining.retraining_request_open(actor=ds, model=my_version.model, notes="Fresh data")
    other_owner = their_version.model.owners.first()
    retraining.retraining_request_open(actor=other_owner, model=their_version.model, notes="Not mine")
    client.force_login(ds)
    page = client.get("/dashboards/data-science/").content.decode()
    panel = page.split('data-testid="my-retraining"')[1].split("</section>")[0]
    assert "m-ds" in panel and "m-ds-other" not in panel


def test_drift_and_performance_trends_of_my_production_models(client, mine):
    ds, (my_version, their_version) = mine
    with seeding_bypass():
        ModelVersion.objects.filter(pk__in=[my_version.pk, their_version.pk]).update(stage=Stage.PRODUCTION)
    from django.utils import timezone

    from monitoring.sync import series_store

    now_ms = int(timezone.now().timestamp() * 1000)
    for version in (my_version, their_version):
        for metric, value in (("psi", 0.1), ("auc", 0.9)):
            series_store(series_id=series_of(version, metric).pk, points=[(0, now_ms - 86_400_000, value)])
    client.force_login(ds)
    page = client.get("/dashboards/data-science/").content.decode()
    for panel in ("drift", "performance"):
        section = page.split(f'data-testid="{panel}"')[1].split("</section>")[0]
        assert "m-ds v1" in section and "m-ds-other" not in section
