from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from portfolio import services
from portfolio.choices import UseCaseStatus
from portfolio.models import UseCase


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


def test_use_cases_get_sequential_codes(pm, units):
    first = services.use_case_create(actor=pm, title="One", business_unit=units["RETAIL"])
    second = services.use_case_create(actor=pm, title="Two", business_unit=units["RETAIL"])
    assert (first.code, second.code) == ("UC-001", "UC-002")
    assert first.owner == pm and first.status == "proposed"


def test_bad_input_names_the_field_and_saves_nothing(pm, units):
    with pytest.raises(ApplicationError, match="estimated_value") as caught:
        services.use_case_create(actor=pm, title="Bad", business_unit=units["RETAIL"], estimated_value=Decimal(-1))
    assert "estimated_value" in caught.value.details
    assert not UseCase.objects.exists()
    assert not AuditEvent.objects.filter(action="use_case.created").exists()


def test_a_refused_update_leaves_the_record_and_the_trail_untouched(pm, units, make_user):
    case = services.use_case_create(actor=pm, title="Mine", business_unit=units["RETAIL"])
    outsider = make_user("other", "program_manager", units=(units["CORP"],))
    with pytest.raises(NotAllowed):
        services.use_case_update(actor=outsider, use_case=case, title="Stolen")
    case.refresh_from_db()
    assert case.title == "Mine"
    assert not AuditEvent.objects.filter(action="use_case.updated").exists()


def test_status_cannot_be_changed_through_the_generic_update(pm, units):
    case = services.use_case_create(actor=pm, title="Mine", business_unit=units["RETAIL"])
    with pytest.raises(ApplicationError, match="status"):
        services.use_case_update(actor=pm, use_case=case, status="live")


def test_a_data_scientist_cannot_propose_even_in_their_unit(units, make_user):
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed, match="may not add use cases"):
        services.use_case_create(actor=ds, title="Nope", business_unit=units["RETAIL"])


def test_the_demo_seed_is_idempotent(db):
    from portfolio import demo

    demo.seed()
    counts = (UseCase.objects.count(), AuditEvent.objects.count())
    demo.seed()
    assert (UseCase.objects.count(), AuditEvent.objects.count()) == counts
    assert counts[0] == len(demo.USE_CASES) + len(demo.MORE_TITLES)
    # The demo has every status the workflow knows.
    assert set(UseCase.objects.values_list("status", flat=True)) == set(UseCaseStatus.values)
