"""Admin pages go through the services: checked, audited, and never deleting governed records."""

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEvent
from portfolio.models import BusinessUnit, Membership, UseCase


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", "platform_admin", is_staff=True))
    return client


def test_creating_a_business_unit_in_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/portfolio/businessunit/add/", {"code": "HR", "name": "People", "is_active": "on"}
    )
    assert response.status_code == 302
    unit = BusinessUnit.objects.get(code="HR")
    event = AuditEvent.objects.get(action="business_unit.created")
    assert event.target_id == str(unit.pk) and event.actor_name == "root"


def test_renaming_a_business_unit_in_admin_records_before_and_after(admin_client, units):
    unit = units["OPS"]
    admin_client.post(
        f"/admin/portfolio/businessunit/{unit.pk}/change/",
        {"name": "Group Operations", "description": "", "is_active": "on"},
    )
    event = AuditEvent.objects.get(action="business_unit.updated")
    assert event.changes == {"name": ["Operations", "Group Operations"]}


def test_adding_and_removing_a_member_in_admin_is_audited(admin_client, units, make_user):
    member = make_user("newbie")
    admin_client.post("/admin/portfolio/membership/add/", {"user": member.pk, "business_unit": units["RETAIL"].pk})
    membership = Membership.objects.get(user=member)
    admin_client.post(f"/admin/portfolio/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(user=member).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="membership.").order_by("seq").values_list("action", flat=True)
    ) == ["membership.added", "membership.removed"]


def test_business_units_users_and_use_cases_cannot_be_deleted_in_admin(admin_client, units, make_user):
    victim = make_user("leaver")
    case = UseCase.objects.create(number=1, title="Kept", business_unit=units["RETAIL"])
    assert admin_client.get(f"/admin/portfolio/businessunit/{units['OPS'].pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/auth/user/{victim.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/portfolio/usecase/{case.pk}/delete/").status_code == 403
    assert User.objects.filter(pk=victim.pk).exists() and UseCase.objects.filter(pk=case.pk).exists()


def test_audit_events_are_read_only_in_admin(admin_client, units):
    event = AuditEvent.objects.get(action="auth.login")  # the admin's own sign-in
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200  # view only


def test_the_unlock_action_lifts_a_lockout(admin_client, make_user, client):
    from core.lockout import lock_state

    locked = make_user("locked")
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "locked", "password": "x"}, content_type="application/json")
    assert lock_state("locked").locked
    admin_client.post("/admin/auth/user/", {"action": "unlock_accounts", "_selected_action": [locked.pk]})
    assert not lock_state("locked").locked
    assert AuditEvent.objects.filter(action="auth.unlocked", target_id=str(locked.pk)).exists()


def test_default_beat_schedules_are_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "interval__period"))
    assert tasks == {
        "core.health": "minutes",
        "audit.verify_chain": "days",
        "audit.write_checkpoint": "minutes",
        "audit.check_checkpoints": "minutes",
        "audit.purge_expired": "days",
        "portfolio.check_stop_losses": "days",
        "lifecycle.discover_mlflow_models": "minutes",
        "lifecycle.check_production_aliases": "minutes",
        "monitoring.sync_all": "minutes",
        "monitoring.roll_up_points": "days",
        "monitoring.health_check_all": "hours",
        "monitoring.retraining_schedules_run": "hours",
        "governance.escalate_overdue_concerns": "hours",
        "governance.escalate_overdue_post_implementation_reviews": "days",
        "governance.training_expiry_reminders": "days",
    }


def test_changing_a_weight_in_admin_goes_through_the_service(admin_client):
    from portfolio.models import ScoringCriterion

    roi = ScoringCriterion.objects.get(key="roi")
    admin_client.post(
        f"/admin/portfolio/scoringcriterion/{roi.pk}/change/",
        {
            "name": roi.name,
            "description": "",
            "weight": "5",
            "higher_is_better": "on",
            "rubric": "{}",
            "is_active": "on",
        },
    )
    roi.refresh_from_db()
    assert roi.weight == 5
    event = AuditEvent.objects.get(action="scoring_criterion.updated")
    assert event.changes["weight"] == ["3.00", "5"]
    assert admin_client.get(f"/admin/portfolio/scoringcriterion/{roi.pk}/delete/").status_code == 403
