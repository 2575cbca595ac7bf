"""Stop-loss criteria set at intake are checked daily: a missed month counts once, and when the periods
allowed are used up a decommissioning review is asked of the owner, the sponsor and the unit's managers."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from audit.models import AuditEvent
from notifications.models import Notification
from portfolio import services, tasks
from portfolio.models import StopLoss, UseCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_case(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    case = services.use_case_create(actor=pm, title="Churn", business_unit=units["RETAIL"], estimated_value=1000)
    UseCase.objects.filter(pk=case.pk).update(status="live")
    case.refresh_from_db()
    services.stop_loss_set(
        actor=pm, use_case=case, measure="realised_value", threshold=Decimal(800), due_date=date(2026, 3, 1),
        periods_allowed=2,
    )  # fmt: skip
    other_unit_pm = make_user("pm-corp", "program_manager", units=(units["CORP"],))
    return pm, case, other_unit_pm


def _run(on: date) -> dict:
    with time_machine.travel(on):
        return tasks.check_stop_losses()


def test_each_missed_month_counts_once_and_the_second_asks_for_a_review(live_case):
    pm, case, other_unit_pm = live_case
    assert _run(date(2026, 2, 20))["checked"] == 0  # not due yet
    _run(date(2026, 3, 2))
    _run(date(2026, 3, 20))  # same month: no second count
    stop_loss = StopLoss.objects.get(use_case=case)
    assert (stop_loss.missed_periods, stop_loss.review_requested_at) == (1, None)
    assert _run(date(2026, 4, 2))["review_requested"] == 1
    stop_loss.refresh_from_db()
    assert stop_loss.missed_periods == 2 and stop_loss.review_requested_at is not None
    asked = Notification.objects.filter(category="stop_loss")
    assert list(asked.values_list("recipient__username", flat=True)) == ["pm"]  # not the other unit's manager
    assert "decommissioning review" in asked.get().subject
    _run(date(2026, 5, 2))  # counted again, but asked only once
    assert Notification.objects.filter(category="stop_loss").count() == 1
    assert AuditEvent.objects.filter(action="stop_loss.review_requested", target_id=str(case.pk)).count() == 1


def test_a_criterion_met_again_starts_counting_from_zero(live_case):
    pm, case, _ = live_case
    _run(date(2026, 3, 2))
    services.benefit_review_record(
        actor=pm, use_case=case, reviewed_on=date(2026, 3, 10), realised_value=Decimal(900), findings="Recovered."
    )
    _run(date(2026, 4, 2))
    stop_loss = StopLoss.objects.get(use_case=case)
    assert (stop_loss.missed_periods, stop_loss.last_counted_period) == (0, "")


def test_the_agenda_lists_a_use_case_whose_stop_loss_ran_out(client, live_case):
    pm, case, _ = live_case
    _run(date(2026, 3, 2))
    _run(date(2026, 4, 2))
    client.force_login(pm)
    page = client.get("/dashboards/program/").content.decode()
    agenda = page.split("Stop-loss missed")[1].split("</div>")[0]
    assert case.code in agenda
