"""The benchmark's data generator at a tiny size: its portfolio renders, holds the production gates and keeps
the audit chain intact (on the test database, SQLite by default; the benchmark itself runs it on PostgreSQL)."""

import pytest
from django.contrib.auth.models import User

from audit.services import verify_chain
from bench.generate import generate
from compliance.models import Evidence
from governance.gates import approval_current, required_test_evidence
from governance.models import Concern, TestEvidence
from lifecycle.models import AIModel, ModelVersion
from monitoring.models import Budget, HealthCheck

pytestmark = pytest.mark.django_db


def test_a_small_generated_portfolio_renders_holds_its_approvals_and_its_audit_chain(client):
    figures = generate(models=30, use_cases=6, versions=60, points=600, audit_events=200)

    assert figures["lifecycle_aimodel"][0] == 30 and figures["lifecycle_modelversion"][0] == 60
    assert figures["monitoring_metricpoint"][0] == 600 and figures["audit_auditevent"][0] == 200
    assert verify_chain().ok
    production = ModelVersion.objects.filter(stage="production").select_related("model__use_case")
    assert production and all(approval_current(version) is None for version in production)
    assert all(required_test_evidence(version) is None for version in production)
    # The other panels have something to show: health, budgets, test and compliance evidence, concerns.
    assert HealthCheck.objects.count() == len(production) == figures["monitoring_healthcheck"][0]
    assert set(HealthCheck.objects.values_list("status", flat=True)) <= {"good", "warning", "bad"}
    assert Budget.objects.filter(model__isnull=True).count() == 12 and Budget.objects.filter(model__isnull=False)
    assert TestEvidence.objects.filter(status="accepted").count() == figures["governance_testevidence"][0] > 0
    assert Evidence.objects.count() == figures["governance_evidence"][0] > 0
    assert Concern.objects.count() == figures["governance_concern"][0] > 0
    model = AIModel.objects.filter(use_case__business_unit__code="RETAIL", confidential=False).first()
    for username, url in (
        ("bench-exec", "/dashboards/executive/"),
        ("bench-pm", "/dashboards/program/"),
        ("bench-admin", "/dashboards/administration/"),
        ("bench-exec", "/lifecycle/models/"),
        ("bench-exec", "/audit/"),
        ("bench-board", "/dashboards/review-board/"),
        ("bench-ds", "/dashboards/data-science/"),
        ("bench-ds", f"/lifecycle/models/{model.pk}/"),
        ("bench-pm", "/portfolio/ranking/"),
    ):
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, (username, url)
