import pytest

from governance import services as governance_services
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from portfolio import services as portfolio
from tests.governance.helpers import PASSWORD, approve_assessment, person
from tests.lifecycle.helpers import record_training_data

SIGNATURE = {"inputs": "[amount]", "outputs": "[score]"}
MEDIUM_ANSWERS = {"personal_data": "personal", "scale": "large"}  # medium: validation + business, auc >= 0.7


@pytest.fixture
def ds(units):
    return person("ds", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def use_case(units):
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    return portfolio.use_case_create(
        actor=pm, title="Fraud scoring", business_unit=units["RETAIL"], problem_statement="Flag card fraud."
    )


@pytest.fixture
def model(ds, use_case):
    return lifecycle.model_register(actor=ds, name="fraud-scorer", use_case=use_case)


def submit(ds, model, number="1", metrics=None):
    version = lifecycle.model_version_register(
        actor=ds, model=model, version=number, signature=SIGNATURE, metrics=metrics or {"auc": 0.91, "recall": 0.85}
    )
    lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    record_training_data(version, actor=ds)
    return lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)


@pytest.fixture
def pending(ds, model, use_case):
    """A version of a medium-tier use case, submitted: its review is open."""
    from tests.governance.helpers import LOW_ANSWERS

    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    return submit(ds, model)


# --- Emergency releases (tests/governance/test_emergency*.py) ---


@pytest.fixture
def approvers(units):
    return (
        person("em-one", "review_board", "emergency_approver", units=(units["RETAIL"],)),
        person("em-two", "review_board", "emergency_approver", units=(units["RETAIL"],)),
    )


@pytest.fixture
def deployable(pending, ds):
    """The pending version with a production deployment recorded (lifecycle's own gate still applies)."""
    lifecycle.deployment_record(actor=ds, version=pending, environment="production")
    return pending


@pytest.fixture
def requested(deployable, ds):
    return governance_services.emergency_release_request(
        actor=ds, version=deployable, reason="Fraud ring exploiting v0's blind spot; losses of 40k a day."
    )


@pytest.fixture
def approved(requested, approvers):
    governance_services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    return governance_services.emergency_release_approve(actor=approvers[1], release=requested, password=PASSWORD)
