"""Review policies per tier (a new version, never an edit) and freeze windows (plan, end early) from the pages:
each through its service, a refusal next to the field it names, nothing half-saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from governance.models import ReviewPolicy
from lifecycle import services as lifecycle
from lifecycle.models import FreezeWindow
from tests.governance.helpers import person


@pytest.fixture
def admin(db):
    return person("platform", "platform_admin")


def policy_form(policy, **changes) -> dict:
    data = {
        "required_functions": policy.required_functions,
        "metric_thresholds": "\n".join(f"{t['metric']} {t['operator']} {t['value']}" for t in policy.metric_thresholds),
        "model_card_sections": policy.model_card_sections,
        "required_test_evidence": policy.required_test_evidence,
        "approval_validity_days": policy.approval_validity_days,
        "reassessment_cadence_days": policy.reassessment_cadence_days,
        "decommission_notice_days": policy.decommission_notice_days,
        "reason": "Tighter thresholds after the audit.",
    }
    return {**data, **changes}


def test_every_tier_is_listed_and_only_admins_are_offered_a_new_version(admin, client):
    client.force_login(person("reader", "review_board"))
    page = client.get("/governance/review-policies/").content.decode()
    assert all(f'data-testid="policy-tier-{tier}"' in page for tier in ("low", "medium", "high", "critical"))
    high = ReviewPolicy.objects.filter(tier="high").order_by("-version").first()
    assert f"/governance/review-policies/{high.pk}/new-version/" not in page
    assert client.get(f"/governance/review-policies/{high.pk}/new-version/").status_code == 404
    client.force_login(admin)
    page = client.get("/governance/review-policies/").content.decode()
    assert f"/governance/review-policies/{high.pk}/new-version/" in page


def test_saving_the_form_adds_a_version_and_leaves_the_old_one_as_it_was(admin, client):
    current = ReviewPolicy.objects.filter(tier="high").order_by("-version").first()
    client.force_login(admin)
    form = client.get(f"/governance/review-policies/{current.pk}/new-version/").context["form"]
    assert form.initial["required_functions"] == current.required_functions  # starts from the current version
    response = client.post(
        f"/governance/review-policies/{current.pk}/new-version/",
        policy_form(current, metric_thresholds="auc >= 0.8\nrecall >= 0.75", promote_on_approval="on"),
    )
    assert response.status_code == 302
    new = ReviewPolicy.objects.get(tier="high", version=current.version + 1)
    assert new.metric_thresholds == [
        {"metric": "auc", "operator": ">=", "value": 0.8},
        {"metric": "recall", "operator": ">=", "value": 0.75},
    ]
    assert new.promote_on_approval and new.created_by == admin
    old = ReviewPolicy.objects.get(pk=current.pk)
    assert old.metric_thresholds == current.metric_thresholds and not old.promote_on_approval
    assert AuditEvent.objects.filter(action="review_policy.changed", target_id=str(new.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"required_functions": ["validation"]}, "required_functions", "can never go below"),
        ({"metric_thresholds": "auc at least 0.8"}, "metric_thresholds", "Line 1"),
        ({"metric_thresholds": "auc => 0.8"}, "metric_thresholds", "operator “=>”"),
        ({"approval_validity_days": 9999}, "approval_validity_days", "at most 365 days"),
        ({"reason": ""}, "reason", "required"),
    ],
)
def test_a_bad_policy_is_refused_next_to_its_field_and_no_version_is_added(admin, client, changes, field, message):
    current = ReviewPolicy.objects.filter(tier="high").order_by("-version").first()
    client.force_login(admin)
    response = client.post(f"/governance/review-policies/{current.pk}/new-version/", policy_form(current, **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not ReviewPolicy.objects.filter(tier="high", version=current.version + 1).exists()


def test_an_admin_plans_a_freeze_window_and_a_bad_one_is_refused_by_field(admin, client):
    client.force_login(admin)
    start = timezone.now() + timedelta(days=10)
    body = {
        "name": "Year-end close",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(days=5):%Y-%m-%dT%H:%M}",
        "environments": ["production"],
    }
    backwards = client.post(
        "/governance/freeze-windows/", {**body, "end": f"{start - timedelta(days=1):%Y-%m-%dT%H:%M}"}
    )
    assert backwards.status_code == 400
    assert "must end after it starts" in " ".join(backwards.context["form"].errors["end"])
    assert not FreezeWindow.objects.exists()
    assert client.post("/governance/freeze-windows/", body).status_code == 302
    assert FreezeWindow.objects.get().name == "Year-end close"
    assert "Year-end close" in client.get("/governance/freeze-windows/").content.decode()


def test_others_read_the_freeze_windows_but_cannot_create_or_end_one(admin, client):
    window = lifecycle.freeze_window_create(
        actor=admin, name="Running", start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(days=1)
    )
    client.force_login(person("reader", "data_scientist"))
    page = client.get("/governance/freeze-windows/").content.decode()
    assert "Running" in page and 'data-testid="freeze-form"' not in page
    assert client.post("/governance/freeze-windows/", {"name": "x"}).status_code == 404
    assert client.post(f"/governance/freeze-windows/{window.pk}/end/", {"reason": "x"}).status_code == 404
    assert FreezeWindow.objects.get(pk=window.pk).end > timezone.now()


def test_an_admin_ends_a_running_window_with_a_reason(admin, client):
    running = lifecycle.freeze_window_create(
        actor=admin, name="Running", start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(days=1)
    )
    upcoming = lifecycle.freeze_window_create(
        actor=admin, name="Later", start=timezone.now() + timedelta(days=3), end=timezone.now() + timedelta(days=4)
    )
    client.force_login(admin)
    client.post(f"/governance/freeze-windows/{running.pk}/end/", {"reason": ""})
    assert FreezeWindow.objects.get(pk=running.pk).end > timezone.now()  # no reason, nothing changed
    client.post(f"/governance/freeze-windows/{running.pk}/end/", {"reason": "Close finished early."})
    assert FreezeWindow.objects.get(pk=running.pk).end <= timezone.now()
    assert AuditEvent.objects.filter(action="freeze_window.ended", target_id=str(running.pk)).exists()
    refused = client.post(f"/governance/freeze-windows/{upcoming.pk}/end/", {"reason": "Not needed."}, follow=True)
    assert "has not started" in refused.content.decode()
    assert FreezeWindow.objects.get(pk=upcoming.pk).end == upcoming.end


def test_the_administration_dashboard_links_every_new_page(admin, client):
    client.force_login(admin)
    page = client.get("/dashboards/administration/").content.decode()
    for url in (
        "/governance/training/",
        "/governance/review-policies/",
        "/governance/freeze-windows/",
        "/monitoring/alert-rules/",
    ):
        assert f'href="{url}"' in page
