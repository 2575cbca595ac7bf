"""Decommissioning: notice period, independent approval, consumers told and acknowledging, an enforced
checklist, retirement through the stage machine only, and the lessons-learned list."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.seeding import seeding_bypass
from lifecycle import decommissioning, services
from lifecycle.choices import Stage
from lifecycle.models import DecommissionPlan, ModelVersion
from notifications.models import Notification
from portfolio import services as portfolio
from tests.lifecycle.helpers import DECOMMISSION_CHECKLIST as CHECKLIST


@pytest.fixture
def people(units, make_user):
    return {
        "ds": make_user("ds", "data_scientist", units=(units["RETAIL"],), email="ds@example.com"),
        "rb": make_user("rb", "review_board", units=(units["RETAIL"],)),
        "app": make_user("app-owner", units=(units["RETAIL"],)),
        "pm": make_user("pm", "program_manager", units=(units["RETAIL"],)),
    }


@pytest.fixture
def model(people, units):
    use_case = portfolio.use_case_create(actor=people["pm"], title="Fraud scoring", business_unit=units["RETAIL"])
    model = services.model_register(actor=people["ds"], name="fraud-scorer", use_case=use_case)
    for label in ("1", "2"):
        version = services.model_version_register(actor=people["ds"], model=model, version=label)
        with seeding_bypass():
            ModelVersion.objects.filter(pk=version.pk).update(
                stage=Stage.DEPRECATED if label == "1" else Stage.PRODUCTION
            )
    decommissioning.consumer_register(actor=people["ds"], model=model, system="Card authoriser", contact=people["app"])
    decommissioning.consumer_register(
        actor=people["ds"], model=model, system="Chargeback desk", contact_email="desk@example.com", criticality="low"
    )
    return model


def _plan(people, model, days=45):
    return decommissioning.decommission_plan_create(
        actor=people["ds"], model=model, reason="no_longer_needed", sunset_date=timezone.localdate() + timedelta(days)
    )


def test_the_sunset_respects_the_notice_period_and_a_replacement_is_named(people, model):
    with pytest.raises(ApplicationError, match=r"needs 30 days' notice; choose \d{4}-\d\d-\d\d or later"):
        _plan(people, model, days=10)
    with pytest.raises(ApplicationError, match="replacement: name the model that replaces it"):
        decommissioning.decommission_plan_create(
            actor=people["ds"], model=model, reason="replaced", sunset_date=timezone.localdate() + timedelta(60)
        )
    _plan(people, model)
    with pytest.raises(Conflict, match="already has an open decommission plan"):
        _plan(people, model)
    assert DecommissionPlan.objects.count() == 1


def test_approval_needs_an_owner_and_an_independent_validator(people, model):
    plan = _plan(people, model)
    with pytest.raises(NotAllowed, match="Only an owner"):
        decommissioning.decommission_plan_approve(actor=people["rb"], plan=plan, as_role="owner")
    with pytest.raises(NotAllowed, match="independent validator"):
        decommissioning.decommission_plan_approve(actor=people["ds"], plan=plan, as_role="validator")
    with pytest.raises(Conflict, match="Announce the plan once"):
        decommissioning.decommission_plan_announce(actor=people["ds"], plan=plan)
    decommissioning.decommission_plan_approve(actor=people["ds"], plan=plan, as_role="owner")
    plan = decommissioning.decommission_plan_approve(actor=people["rb"], plan=plan, as_role="validator")
    assert plan.status == DecommissionPlan.Status.APPROVED


def _announced(people, model, django_capture_on_commit_callbacks):
    plan = _plan(people, model)
    decommissioning.decommission_plan_approve(actor=people["ds"], plan=plan, as_role="owner")
    decommissioning.decommission_plan_approve(actor=people["rb"], plan=plan, as_role="validator")
    with django_capture_on_commit_callbacks(execute=True):
        return decommissioning.decommission_plan_announce(actor=people["ds"], plan=plan)


def test_announcing_tells_every_consumer_and_tracks_acknowledgement(people, model, django_capture_on_commit_callbacks):
    plan = _announced(people, model, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(recipient=people["app"], category="decommission").count() == 1
    assert ["desk@example.com"] in [m.to for m in mail.outbox]
    app_notice, desk_notice = plan.notices.order_by("consumer__system")
    decommissioning.consumer_notice_acknowledge(actor=people["app"], notice=app_notice)
    with pytest.raises(ApplicationError, match="note: say how and when the consumer acknowledged"):
        decommissioning.consumer_notice_acknowledge(actor=people["ds"], notice=desk_notice)
    with pytest.raises(NotAllowed):
        decommissioning.consumer_notice_acknowledge(actor=people["rb"], notice=desk_notice, note="phone")
    decommissioning.consumer_notice_acknowledge(actor=people["ds"], notice=desk_notice, note="email of 3 May")
    assert not plan.notices.filter(acknowledged_at__isnull=True).exists()


def test_retirement_waits_for_the_sunset_and_the_whole_checklist(people, model, django_capture_on_commit_callbacks):
    plan = _announced(people, model, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict, match="promised service until"):
        decommissioning.decommission_retire(actor=people["ds"], plan=plan)
    with time_machine.travel(plan.sunset_date + timedelta(days=1)):
        with pytest.raises(Conflict, match="Not yet acknowledged by Card authoriser, Chargeback desk") as refused:
            decommissioning.decommission_retire(actor=people["ds"], plan=plan)
        assert len(refused.value.details["missing"]) == 6
        with pytest.raises(ApplicationError, match="archive_checksum: give the SHA-256"):
            decommissioning.decommission_checklist_update(actor=people["ds"], plan=plan, archive_checksum="abc")
        plan = decommissioning.decommission_checklist_update(actor=people["ds"], plan=plan, **CHECKLIST)
        for notice in plan.notices.all():
            decommissioning.consumer_notice_acknowledge(actor=people["ds"], notice=notice, note="by email")
        assert decommissioning.checklist_missing(plan) == []
        decommissioning.decommission_retire(actor=people["ds"], plan=plan)
    assert set(model.versions.values_list("stage", flat=True)) == {Stage.RETIRED}
    assert AuditEvent.objects.filter(action="decommission.retired").exists()


def test_no_other_path_retires_a_version(people, model, api):
    deprecated = model.versions.get(version="1")
    with pytest.raises(Conflict, match="Retirement goes through a decommission plan"):
        services.model_version_transition(actor=people["ds"], version=deprecated, to_stage=Stage.RETIRED)
    response = api(people["ds"]).post(
        f"/api/v1/model-versions/{deprecated.pk}/transition/", {"to": "retired"}, format="json"
    )
    assert response.status_code == 409 and "decommission plan complete" in str(response.json())
    assert ModelVersion.objects.get(pk=deprecated.pk).stage == Stage.DEPRECATED


def test_the_pages_walk_the_plan_and_point_to_the_replacement(client, people, model, units):
    successor = services.model_register(actor=people["ds"], name="fraud-scorer-2", use_case=model.use_case)
    client.force_login(people["ds"])
    sunset = (timezone.localdate() + timedelta(40)).isoformat()
    response = client.post(
        reverse("lifecycle:decommission_create", args=[model.pk]),
        {"reason": "replaced", "replacement": successor.pk, "sunset_date": sunset},
    )
    plan = DecommissionPlan.objects.get()
    assert response.url == reverse("lifecycle:decommission_detail", args=[plan.pk])
    url = reverse("lifecycle:decommission_detail", args=[plan.pk])
    client.post(url, {"step": "approve_owner"})
    client.force_login(people["rb"])
    client.post(url, {"step": "approve_validator"})
    client.force_login(people["ds"])
    client.post(url, {"step": "announce"})
    page = client.get(url).content.decode()
    assert "Announced" in page and "Card authoriser" in page and "Not yet acknowledged by" in page
    client.post(url, {"step": "checklist", **{k: ("on" if v is True else v) for k, v in CHECKLIST.items()}})
    for notice in plan.notices.all():
        client.post(url, {"step": "acknowledge", "notice": notice.pk, "note": "call"})
    with time_machine.travel(plan.sunset_date + timedelta(days=1)):
        client.force_login(people["ds"])  # the old session outlived its absolute lifetime
        client.post(url, {"step": "retire"})
    plan.refresh_from_db()
    assert plan.status == DecommissionPlan.Status.RETIRED
    page = client.get(reverse("lifecycle:model_detail", args=[model.pk])).content.decode()
    assert "Retired on" in page and "fraud-scorer-2" in page and "v2" in page
    lessons = client.get(reverse("lifecycle:lessons"), {"q": "scheme"}).content.decode()
    assert "Bind drift alerts to scheme announcements." in lessons
    assert "Bind drift" not in client.get(reverse("lifecycle:lessons"), {"q": "vendor"}).content.decode()


def test_the_api_walks_the_plan_and_refuses_in_words(people, model, api, units, make_user):
    owner, validator = api(people["ds"]), api(people["rb"])
    too_soon = owner.post(
        "/api/v1/decommissions/",
        {"model": model.pk, "reason": "no_longer_needed", "sunset_date": timezone.localdate().isoformat()},
        format="json",
    )
    assert too_soon.status_code == 400 and too_soon.json()["detail"].startswith("sunset_date:")
    sunset = (timezone.localdate() + timedelta(31)).isoformat()
    plan = owner.post(
        "/api/v1/decommissions/",
        {"model": model.pk, "reason": "no_longer_needed", "sunset_date": sunset},
        format="json",
    ).json()
    assert plan["status"] == "draft" and plan["notice_days"] == 30
    url = f"/api/v1/decommissions/{plan['id']}"
    assert owner.post(f"{url}/approve/", {"as_role": "validator"}, format="json").status_code == 403
    owner.post(f"{url}/approve/", {"as_role": "owner"}, format="json")
    assert validator.post(f"{url}/approve/", {"as_role": "validator"}, format="json").json()["status"] == "approved"
    announced = owner.post(f"{url}/announce/").json()
    assert announced["status"] == "announced" and {n["system"] for n in announced["notices"]} == {
        "Card authoriser",
        "Chargeback desk",
    }
    refused = owner.post(f"{url}/retire/")
    assert refused.status_code == 409 and "promised service" in refused.json()["detail"]
    bad = owner.post(f"{url}/checklist/", {"archive_checksum": "xyz"}, format="json")
    assert bad.status_code == 400 and "SHA-256" in bad.json()["detail"]
    assert owner.post(f"{url}/checklist/", {"postmortem": "ok"}, format="json").json()["postmortem"] == "ok"
    outsider = make_user("corp-ds", "data_scientist", units=(units["CORP"],))
    assert api(outsider).post(f"{url}/checklist/", {"postmortem": "mine"}, format="json").status_code in (403, 404)
    consumers = owner.get(f"/api/v1/models/{model.pk}/consumers/").json()
    assert sorted(c["system"] for c in consumers) == ["Card authoriser", "Chargeback desk"]
    no_contact = owner.post(f"/api/v1/models/{model.pk}/consumers/", {"system": "Batch scorer"}, format="json")
    assert no_contact.status_code == 400 and "contact" in no_contact.json()["detail"]


def test_the_plan_list_costs_the_same_queries_for_one_plan_or_several(people, model, api, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(people["ds"])

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/decommissions/").status_code == 200
        return len(context)

    plan = _plan(people, model)
    decommissioning.decommission_plan_approve(actor=people["ds"], plan=plan, as_role="owner")
    decommissioning.decommission_plan_approve(actor=people["rb"], plan=plan, as_role="validator")
    decommissioning.decommission_plan_announce(actor=people["ds"], plan=plan)
    one = count()
    for name in ("second", "third"):
        other = services.model_register(actor=people["ds"], name=name, use_case=model.use_case)
        decommissioning.consumer_register(actor=people["ds"], model=other, system="Batch", contact_email="b@x.io")
        extra = _plan(people, other)
        decommissioning.decommission_plan_approve(actor=people["ds"], plan=extra, as_role="owner")
        decommissioning.decommission_plan_approve(actor=people["rb"], plan=extra, as_role="validator")
        decommissioning.decommission_plan_announce(actor=people["ds"], plan=extra)
    assert count() == one
