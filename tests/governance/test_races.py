"""T11, approval races (time-of-check/time-of-use), on PostgreSQL with real threads and connections: three
signers sign v1 while its author registers v2 or the use case's intended use changes (a material field), and
a promotion to production is fired at the same time. Whatever the interleaving, no version reaches production
on a digest other than the one every counted signature was made on; every signature keeps the digest it saw;
no deadlock is left; and signers racing on one ETag cannot all win."""

import html
import threading
import time

import pytest
from django.db import OperationalError, connection

from audit.models import AuditEvent
from core.exceptions import ApplicationError, PreconditionFailed
from governance import services
from governance.models import Review, SignOff
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion, StageTransition
from portfolio import services as portfolio
from tests.governance.helpers import PASSWORD, approve_assessment, person, signer_for
from tests.governance.test_concurrency_and_demo import _reseed
from tests.lifecycle.helpers import record_training_data

FUNCTIONS = ["validation", "risk", "business"]
ROUNDS, ITERATIONS = 4, 50  # 200 races in all
JOIN_SECONDS = 10


@pytest.fixture
def pg(transactional_db, postgresql_only):
    """Row locks and concurrent connections need PostgreSQL (SQLite serialises writers)."""
    _reseed()


@pytest.fixture
def world(pg, units):
    admin = person("policy-admin", "platform_admin")
    services.review_policy_update(
        actor=admin,
        tier="low",
        reason="Three functions, nothing else, for the race.",
        required_functions=FUNCTIONS,
        model_card_sections=[],
        required_test_evidence=[],
    )
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(
        actor=pm, title="Fraud scoring", business_unit=units["RETAIL"], problem_statement="Flag card fraud."
    )
    approve_assessment(use_case)
    return {
        "pm": pm,
        "ds": person("ds", "data_scientist", units=(units["RETAIL"],)),
        "chair": person("board-chair", "review_board"),
        "signers": [signer_for(f) for f in FUNCTIONS],
        "use_case": use_case,
    }


def _pending_v1(world, n: int):
    """A fresh model whose v1 is submitted (its review opened by the service) and has a production deployment."""
    ds = world["ds"]
    model = lifecycle.model_register(actor=ds, name=f"race-{n}", use_case=world["use_case"])
    v1 = lifecycle.model_version_register(actor=ds, model=model, version="1", signature={"inputs": "[amount]"})
    lifecycle.model_version_transition(actor=ds, version=v1, to_stage=Stage.IN_VALIDATION)
    record_training_data(v1, actor=ds)
    lifecycle.model_version_transition(actor=ds, version=v1, to_stage=Stage.PENDING_APPROVAL)
    lifecycle.deployment_record(actor=ds, version=v1, environment="production")
    return v1, Review.objects.get(version=v1, status="open")


def _is_deadlock(exc: Exception) -> bool:
    return isinstance(exc, OperationalError) and "deadlock" in str(exc).lower()


def _race(world, n: int, *, with_etag: bool) -> dict:
    v1, review = _pending_v1(world, n)
    etag = services.review_etag(review) if with_etag else ""
    start, stop = threading.Barrier(5), threading.Event()
    outcome = {"signed": [], "stale": 0, "refused": 0, "deadlocks": 0, "errors": [], "promoted": False}
    lock = threading.Lock()

    def retrying(call):
        """Run a service call; a deadlock victim (rolled back whole) runs again, up to 5 times."""
        for _ in range(5):
            try:
                return call()
            except OperationalError as exc:
                if not _is_deadlock(exc):
                    raise
                with lock:
                    outcome["deadlocks"] += 1
        raise AssertionError("still deadlocked after 5 tries")

    def guarded(body):
        def run():
            try:
                start.wait(timeout=JOIN_SECONDS)
                body()
            except Exception as exc:  # collected and asserted below
                with lock:
                    outcome["errors"].append(repr(exc))
            finally:
                connection.close()

        return run

    def signer(index):
        def body():
            try:
                signed = retrying(
                    lambda: services.sign_off_record(
                        actor=world["signers"][index],
                        review=review,
                        function=FUNCTIONS[index],
                        decision="approve",
                        password=PASSWORD,
                        if_match=etag,
                    )
                )
                with lock:
                    outcome["signed"].append(signed.pk)
            except PreconditionFailed:
                with lock:
                    outcome["stale"] += 1
            except ApplicationError:
                with lock:
                    outcome["refused"] += 1

        return body

    def author():
        if n % 2:
            retrying(
                lambda: lifecycle.model_version_register(
                    actor=world["ds"], model=v1.model, version="2", signature={"inputs": "[amount]"}
                )
            )
        else:  # the intended use is in the digest: a material change of v1's content
            retrying(
                lambda: portfolio.use_case_update(
                    actor=world["pm"], use_case=world["use_case"], problem_statement=f"Flag card fraud (race {n})."
                )
            )

    def promoter():
        """Fire the promotion until it passes or the others are done (then once more)."""
        last = False
        while True:
            last = stop.is_set()
            try:
                retrying(
                    lambda: lifecycle.model_version_transition(
                        actor=world["chair"], version=v1, to_stage=Stage.APPROVED, reason="Review complete."
                    )
                )
                retrying(
                    lambda: lifecycle.model_version_transition(
                        actor=world["ds"], version=v1, to_stage=Stage.PRODUCTION, reason="Go live."
                    )
                )
                outcome["promoted"] = True
                return
            except ApplicationError:
                if last:
                    return
                time.sleep(0.005)

    workers = [threading.Thread(target=guarded(signer(i))) for i in range(3)]
    workers.append(threading.Thread(target=guarded(author)))
    race = threading.Thread(target=guarded(promoter))
    for thread in [*workers, race]:
        thread.start()
    for thread in workers:
        thread.join(timeout=JOIN_SECONDS)
    stop.set()
    race.join(timeout=JOIN_SECONDS)
    outcome["hung"] = [t.name for t in [*workers, race] if t.is_alive()]
    outcome["v1"], outcome["review"] = v1, review
    return outcome


def _check(outcome, *, with_etag: bool) -> int:
    """The invariants of one race; returns the number of production moves of v1 (0 or 1)."""
    assert outcome["hung"] == [], "a thread was still running (deadlocked?) 10 s after the race"
    assert outcome["errors"] == []
    v1 = ModelVersion.objects.get(pk=outcome["v1"].pk)
    review = Review.objects.get(pk=outcome["review"].pk)
    # Every signature keeps the digest it saw: the one in its meaning and in its audit event.
    audited = {
        (e.changes["function"][1], e.changes["digest"][1])
        for e in AuditEvent.objects.filter(action="review.signed", target_id=str(review.pk))
    }
    for sign_off in SignOff.objects.filter(review=review):
        assert sign_off.digest in sign_off.meaning and (sign_off.function, sign_off.digest) in audited
    if with_etag:  # three signers on one ETag: the first signature changes it, so at most one wins
        assert len(outcome["signed"]) <= 1 and outcome["stale"] + len(outcome["signed"]) + outcome["refused"] == 3
    moves = StageTransition.objects.filter(version=v1, to_stage=Stage.PRODUCTION).count()
    deployed = AuditEvent.objects.filter(action="review.deployed", target_id=str(v1.pk))
    assert deployed.count() == moves
    for event in deployed:
        digest, counted = event.changes["digest"][1], event.changes["sign_offs"][1]
        assert sorted(counted) == sorted(review.required_functions), "production without a complete approval set"
        signatures = SignOff.objects.filter(pk__in=counted.values())
        # 0 deployments whose digest differs from the digest of a counted signature.
        assert {s.digest for s in signatures} == {digest}
        assert len({s.signer_id for s in signatures}) == len(FUNCTIONS)
    assert (v1.stage == Stage.PRODUCTION) == bool(moves) == outcome["promoted"]
    return moves


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_signers_author_and_promotion_race_without_a_deployment_on_other_content(world, round_):
    promoted = deadlocks = stale = 0
    for i in range(ITERATIONS):
        n = round_ * ITERATIONS + i
        with_etag = i % 4 == 3
        outcome = _race(world, n, with_etag=with_etag)
        promoted += _check(outcome, with_etag=with_etag)
        deadlocks += outcome["deadlocks"]
        stale += outcome["stale"]
    print(f"round {round_}: {ITERATIONS} races, {promoted} promoted, {stale} stale If-Match, {deadlocks} deadlocks")


def test_a_sign_off_on_a_stale_etag_is_refused_with_412(pending, api, client):
    """The review's ETag changes with every signature; If-Match with an old one signs nothing (API and page)."""
    review = Review.objects.get(version=pending)
    validator, business = signer_for("validation"), signer_for("business")
    seen = api(validator).get(f"/api/v1/reviews/{review.pk}/")["ETag"]
    assert api(business).get(f"/api/v1/reviews/{review.pk}/")["ETag"] == seen
    body = {"function": "validation", "decision": "approve", "password": PASSWORD}
    signed = api(validator).post(f"/api/v1/reviews/{review.pk}/sign-offs/", body, format="json", HTTP_IF_MATCH=seen)
    assert signed.status_code == 201 and signed["ETag"] != seen
    assert api(business).get(f"/api/v1/reviews/{review.pk}/")["ETag"] == signed["ETag"]
    body = {**body, "function": "business"}
    stale = api(business).post(f"/api/v1/reviews/{review.pk}/sign-offs/", body, format="json", HTTP_IF_MATCH=seen)
    assert stale.status_code == 412 and "changed since you read it" in stale.json()["detail"]
    assert SignOff.objects.filter(review=review, function="business").count() == 0
    assert AuditEvent.objects.filter(action="review.sign_off_refused", reason__contains="If-Match").count() == 1
    # The page's form carries the ETag it was drawn with; a stale one is refused with the same words.
    client.force_login(business)
    page = client.get(f"/governance/reviews/{review.pk}/").content.decode()
    assert f'name="if_match" value="{signed["ETag"]}"' in html.unescape(page)
    form = {"function": "business", "decision": "approve", "password": PASSWORD, "if_match": seen}
    answer = client.post(f"/governance/reviews/{review.pk}/", form, follow=True).content.decode()
    assert "changed since you read it" in answer
    assert SignOff.objects.filter(review=review, function="business").count() == 0
    # With the current ETag (or none, for older clients), it signs.
    fresh = api(business).post(
        f"/api/v1/reviews/{review.pk}/sign-offs/", body, format="json", HTTP_IF_MATCH=signed["ETag"]
    )
    assert fresh.status_code == 201
