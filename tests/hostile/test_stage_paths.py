"""RELIABILITY T23: every path that changes a version's stage runs through one gate evaluation.

The paths are found in the code (tests/hostile/stage_paths.py reads every module's syntax tree), not listed by
hand: every write of a stage, who calls the writer, and every caller of the two services that move a stage. The
static tests hold the shape: one writer (`lifecycle.services._move`), called only by the one gate evaluation
(`_enter`) after the gates ran and refused what failed, reached only from the transition and the rollback. A new
writer, or a new caller of the services that may target production, fails here until it is given a driver below.

Each driver takes its path from where a user or a task starts it (the API, a page, the Celery task) and tries it
against each gate of production in turn, made to refuse one at a time, on a version every real gate lets through:
every attempt must be refused with the gate named, and, with no gate refusing, the same attempt must reach
production (so a refusal is the gate's, not the driver's). The emergency release is the one path whose own two
approvals waive some gates (those registered waivable); every other gate, the impact assessment and the
prohibited-practice check among them, refuses it too."""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.test import Client
from rest_framework.test import APIClient

from lifecycle import gates
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from portfolio import services as portfolio
from tests.governance.helpers import PASSWORD, approved_version, person
from tests.hostile.stage_paths import PUBLIC_MOVERS, SERVICES, scan, stages_targeted

SCAN = scan()
WRITER = f"{SERVICES}::_move"
EVALUATION = f"{SERVICES}::_enter"
ENTRIES = {f"{SERVICES}::_transition", f"{SERVICES}::_rollback"}

# Paths only the demo seeding takes (`seed_demo`): they call the public services, whose one gate evaluation the
# drivers below try from every entry a user or a task has.
SEEDING = {
    "dashboards/mlflow_demo.py::_walk": "the MLflow demo walks its versions through the stage machine",
    "dashboards/mlflow_demo.py::_rollouts": "the MLflow demo rolls one model back",
    "lifecycle/demo.py::seed": "the demo walks its versions through the stage machine",
}


def _paths() -> dict[str, set[str] | None]:
    """Every function outside lifecycle's services that calls a public mover -> the stages it may target (None:
    it cannot be told, so production included)."""
    found: dict[str, set[str] | None] = {}
    for call in SCAN.calls:
        if call.name not in PUBLIC_MOVERS or call.where.startswith(SERVICES + "::"):
            continue
        stages = stages_targeted(call, SCAN.functions[call.where])
        known = found.get(call.where, set())
        found[call.where] = None if stages is None or known is None else known | stages
    return found


def _into_production() -> set[str]:
    return {where for where, stages in _paths().items() if stages is None or "PRODUCTION" in stages}


# --- The shape, from the code ---------------------------------------------------------------------------------


def test_only_the_stage_machine_writes_a_stage():
    writers = {f"{where} (line {line}: {what})" for where, line, what in SCAN.stage_writes}
    assert {where for where, _, _ in SCAN.stage_writes} == {WRITER}, (
        f"A stage is written outside {WRITER}: {sorted(writers)}. Move versions through "
        "lifecycle.services.model_version_transition (or model_rollback), which run the gates."
    )


def test_the_writer_runs_only_after_the_one_gate_evaluation():
    assert SCAN.callers_of("_move") == {EVALUATION}
    calls = [c for c in SCAN.calls if c.where == EVALUATION]
    evaluated = min(c.line for c in calls if c.name == "run")  # gates.run(...)
    raised = min(c.line for c in calls if c.name == "Conflict")  # the refusal naming the failed gates
    written = min(c.line for c in calls if c.name == "_move")
    assert evaluated < raised < written
    assert SCAN.callers_of("_enter") <= ENTRIES | {EVALUATION}
    assert SCAN.callers_of("_transition") == {f"{SERVICES}::model_version_transition"}
    assert SCAN.callers_of("_rollback") == {f"{SERVICES}::model_rollback"}


def test_every_path_into_production_has_a_driver():
    paths = _into_production()
    missing = paths - set(DRIVERS) - set(SEEDING)
    assert not missing, (
        f"New path(s) into production: {sorted(missing)}. Add a driver to DRIVERS in this file that takes it "
        "from where it starts and tries it against every production gate."
    )
    assert set(DRIVERS) | set(SEEDING) <= paths, "A listed path no longer exists: remove it from the list."
    assert all(where.split("::")[0].endswith("demo.py") for where in SEEDING)


def test_the_paths_that_cannot_reach_production_say_so_in_the_code():
    """A call whose target is written as constant stages other than production (a reject, a suspension, a
    retirement) cannot take a version there; each is listed here so that a change of target is noticed."""
    fixed = {where: stages for where, stages in _paths().items() if stages is not None and "PRODUCTION" not in stages}
    assert fixed == {
        "governance/services/reviews.py::_after_decision": {"REJECTED"},
        "governance/services/reviews.py::_promote": {"APPROVED"},
        "lifecycle/decommissioning.py::decommission_retire": {"DEPRECATED", "RETIRED", "REJECTED"},
    }


# --- Each path against each production gate --------------------------------------------------------------------

PRODUCTION_GATES = gates.registered(Stage.PRODUCTION)
WAIVABLE = gates.waivable(Stage.PRODUCTION)


def _forced(gate: str) -> str:
    return f"Forced refusal of the gate “{gate}”."


@contextmanager
def refusing(gate: str):
    """Production's gates as registered, except that `gate` refuses (whatever it would say of the version)."""
    original = gates._registry[Stage.PRODUCTION]
    gates._registry[Stage.PRODUCTION] = [
        (name, (lambda version, name=name: _forced(name)) if name == gate else check) for name, check in original
    ]
    try:
        yield
    finally:
        gates._registry[Stage.PRODUCTION] = original


@dataclass
class World:
    """v1 then v2 went to production the normal way; v1 is deprecated, v2 in production. Every real gate lets
    v1 back (a transition, a rollback), so only the gate made to refuse can stop it."""

    ds: object
    model: object
    first: ModelVersion
    second: ModelVersion
    made: dict = field(default_factory=dict)

    def stage(self) -> str:
        return ModelVersion.objects.get(pk=self.first.pk).stage

    def api(self) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.ds)
        return client

    def proposal(self):
        """An alert on v2 proposing to roll back to v1 (made once)."""
        if "proposal" not in self.made:
            from tests.monitoring.test_actions import _breach, _rule

            _rule(self.ds, self.second, "propose_rollback")
            self.made["proposal"] = _breach(self.second).action_proposal
        return self.made["proposal"]

    def release(self):
        """An emergency release of v1, approved by two holders of the emergency function (made once)."""
        if "release" not in self.made:
            from governance import services as governance

            release = governance.emergency_release_request(
                actor=self.ds, version=self.first, reason="v2 corrupts scores; v1 must serve again now."
            )
            unit = self.model.use_case.business_unit
            for name in ("em-one", "em-two"):
                approver = person(name, "review_board", "emergency_approver", units=(unit,))
                governance.emergency_release_approve(actor=approver, release=release, password=PASSWORD)
            self.made["release"] = release
        return self.made["release"]


def build_world(unit, suffix: str = "") -> World:
    pm = person("pm", "program_manager", units=(unit,))
    ds = person("ds", "data_scientist", units=(unit,))
    use_case = portfolio.use_case_create(actor=pm, title=f"Fraud{suffix}", business_unit=unit)
    model = lifecycle.model_register(actor=ds, name=f"fraud{suffix}", use_case=use_case)
    versions = []
    for number in (1, 2):
        version = approved_version(model, number, actor=ds, signature={"inputs": "[amount]"})
        lifecycle.deployment_record(actor=ds, version=version, environment="production")
        versions.append(lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION))
    return World(ds=ds, model=model, first=versions[0], second=versions[1])


@dataclass
class Outcome:
    reached: bool  # v1 is in production after the attempt
    named: set[str] | None  # the failed gates the refusal lists (API), or None where it answers in words
    words: str  # what the person or the task is told


def _api(response, world: World) -> Outcome:
    body = response.json()
    if response.status_code == 409:
        return Outcome(False, {g["gate"] for g in body["errors"]["failed_gates"]}, body["detail"])
    assert response.status_code == 200, body
    return Outcome(world.stage() == Stage.PRODUCTION, None, "")


def via_transition_api(world: World) -> Outcome:
    response = world.api().post(
        f"/api/v1/model-versions/{world.first.pk}/transition/", {"to": "production", "reason": "v1 again"}
    )
    return _api(response, world)


def via_transition_page(world: World) -> Outcome:
    browser = Client()
    browser.force_login(world.ds)
    page = browser.post(
        f"/lifecycle/versions/{world.first.pk}/transition/", {"to": "production", "reason": "v1 again"}, follow=True
    )
    return Outcome(world.stage() == Stage.PRODUCTION, None, page.content.decode())


def via_rollback_api(world: World) -> Outcome:
    return _api(world.api().post(f"/api/v1/models/{world.model.pk}/rollback/", {"reason": "v2 misbehaves"}), world)


def via_proposal_api(world: World) -> Outcome:
    proposal = world.proposal()
    return _api(world.api().post(f"/api/v1/alerts/{proposal.alert_id}/proposal/confirm/", {"note": "roll back"}), world)


def via_celery_task(world: World) -> Outcome:
    """The action task, made to carry out the rollback proposal itself (it only suspends on its own)."""
    from monitoring import tasks
    from monitoring.models import ActionProposal

    proposal = world.proposal()
    ActionProposal.objects.filter(pk=proposal.pk).update(status="proposed", automatic=True, result="")
    tasks.action_proposal_execute.delay(proposal.pk)
    proposal.refresh_from_db()
    return Outcome(world.stage() == Stage.PRODUCTION, None, proposal.result)


def via_review_page(world: World) -> Outcome:
    """The move the review page offers once the policy is satisfied."""
    from governance.models import Review

    review = Review.objects.filter(version=world.first).order_by("-pk").first()
    browser = Client()
    browser.force_login(world.ds)
    page = browser.post(
        f"/governance/reviews/{review.pk}/", {"step": "move", "to": "production", "reason": "v1 again"}, follow=True
    )
    return Outcome(world.stage() == Stage.PRODUCTION, None, page.content.decode())


def via_emergency_api(world: World) -> Outcome:
    release = world.release()
    return _api(
        world.api().post(f"/api/v1/emergency-releases/{release.pk}/deploy/", {"reason": "Go", "password": PASSWORD}),
        world,
    )


Driver = Callable[[World], Outcome]
DRIVERS: dict[str, list[Driver]] = {
    "lifecycle/api/views.py::ModelVersionViewSet.transition": [via_transition_api],
    "lifecycle/views.py::VersionTransitionView.post": [via_transition_page],
    "governance/views.py::ReviewDetailView._move_from_review": [via_review_page],
    "lifecycle/api/views.py::AIModelViewSet.rollback": [via_rollback_api],
    "monitoring/actions.py::_carry_out": [via_proposal_api, via_celery_task],
    "governance/services/emergency.py::_deploy": [via_emergency_api],
}
EMERGENCY = {via_emergency_api}
ATTEMPTS = [(path, driver) for path, drivers in DRIVERS.items() for driver in drivers]


def test_the_gates_tried_are_production_s_own():
    assert len(PRODUCTION_GATES) >= 10 and {"impact assessment approved", "not a prohibited practice"} <= set(
        PRODUCTION_GATES
    )
    assert not {"impact assessment approved", "not a prohibited practice"} & WAIVABLE  # not even in an emergency


@pytest.mark.parametrize(("path", "driver"), ATTEMPTS, ids=[f"{p.split('::')[1]}-{d.__name__}" for p, d in ATTEMPTS])
def test_no_path_reaches_production_past_a_refusing_gate(path, driver, units):
    world = build_world(units["RETAIL"])
    passed_without = []
    for gate in PRODUCTION_GATES:
        with refusing(gate):
            outcome = driver(world)
        if driver in EMERGENCY and gate in WAIVABLE:
            # Waived by the release's own two approvals, and recorded so on the move.
            assert outcome.reached, outcome.words
            move = world.first.transitions.order_by("-at", "-pk").first()
            waived = {r["gate"]: r["detail"] for r in move.gate_results}
            assert waived[gate].startswith("Waived by emergency release")
            world = build_world(units["RETAIL"], suffix=f"-{gate}")  # the waived move spent this one
            continue
        if outcome.reached:
            passed_without.append(gate)
            continue
        assert world.stage() != Stage.PRODUCTION
        if outcome.named is not None:
            assert gate in outcome.named, outcome
        assert _forced(gate) in outcome.words, outcome.words
    assert passed_without == [], f"{path} reached production past the gates {passed_without}"
    control = driver(world)
    assert control.reached, f"With every gate passing, {driver.__name__} must reach production: {control}"
