"""The production approval rule exists twice: in the service's gates (Python) and, as the backstop beneath them,
in PostgreSQL's deferred deploy gate (frozen SQL in governance migration 0015). Each case below builds a state
of one version's approval set through the services (or, for states no service writes, one column), then asks
both: the gates whether an approval set stands (a complete review on the version's content, or a valid
emergency release), the database whether it lets the version into production at commit. They must agree.

Expiry of an approval and the other production gates are the service's alone (the database checks the
approval set, not the calendar): they are not part of the shared rule and not asked here."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from governance import services
from governance.choices import ReviewStatus
from governance.gates import emergency_waiver, latest_review, review_complete
from governance.models import EmergencyRelease, SignOff
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from tests.governance.helpers import PASSWORD, sign_all, signer_for


def python_rule(version) -> bool:
    if review_complete(version) is None:
        return True
    waiver = emergency_waiver(version=version, to_stage=Stage.PRODUCTION)
    return waiver is not None and not waiver.problem


def database_rule(version) -> bool:
    """Whether PostgreSQL lets the version into production at commit (undone either way)."""
    try:
        with transaction.atomic():
            ModelVersion.objects.filter(pk=version.pk).update(stage=Stage.PRODUCTION)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
    except IntegrityError as exc:
        assert "no current approval set exists for its digest" in str(exc)
        return False
    return True


def nothing_signed(version, **_):
    pass


def one_function_missing(version, **_):
    review = latest_review(version)
    sign_all(review, skip=review.required_functions[-1:])


def complete(version, **_):
    sign_all(latest_review(version))


def complete_then_one_invalidated(version, **_):
    review = latest_review(version)
    sign_all(review)
    first = review.sign_offs.order_by("pk")[0]
    SignOff.objects.filter(pk=first.pk).update(invalidated_at=timezone.now())


def complete_under_an_older_policy_version(version, **_):
    review = latest_review(version)
    sign_all(review)
    first = review.sign_offs.order_by("pk")[0]
    SignOff.objects.filter(pk=first.pk).update(policy_version=first.policy_version - 1)


def one_function_rejects(version, **_):
    review = latest_review(version)
    sign_all(review, skip=review.required_functions[-1:])
    function = review.required_functions[-1]
    services.sign_off_record(
        actor=signer_for(function),
        review=review,
        function=function,
        decision="reject",
        comment="Recall too low.",
        password=PASSWORD,
    )
    assert latest_review(version).status == ReviewStatus.REJECTED


def emergency_requested_only(version, requested, **_):
    pass


def emergency_approved(version, approved_release, **_):
    pass


def emergency_approved_but_window_over(version, approved_release, **_):
    EmergencyRelease.objects.filter(pk=approved_release.pk).update(valid_until=timezone.now() - timedelta(minutes=1))


CASES = {
    nothing_signed: False,
    one_function_missing: False,
    complete: True,
    complete_then_one_invalidated: False,
    complete_under_an_older_policy_version: False,
    one_function_rejects: False,
    emergency_requested_only: False,
    emergency_approved: True,
    emergency_approved_but_window_over: False,
}


@pytest.fixture
def approved_release(requested, approvers):
    services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    return services.emergency_release_approve(actor=approvers[1], release=requested, password=PASSWORD)


@pytest.mark.parametrize("build", CASES, ids=[case.__name__ for case in CASES])
def test_the_service_gates_and_the_database_gate_agree(postgresql_only, request, deployable, build):
    needs = {"requested", "approved_release"} & set(build.__code__.co_varnames)
    fixtures = {name: request.getfixturevalue(name) for name in needs}
    build(deployable, **fixtures)
    version = ModelVersion.objects.get(pk=deployable.pk)

    assert (python_rule(version), database_rule(version)) == (CASES[build], CASES[build])
    assert ModelVersion.objects.get(pk=version.pk).stage == version.stage  # the database's try left no trace
