"""Two reviewers signing the last two functions at once give one consistent approval; the demo seeds."""

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from governance import services
from governance.models import Review, RiskAssessment, SignOff
from tests.governance.conftest import MEDIUM_ANSWERS, submit
from tests.governance.helpers import LOW_ANSWERS, PASSWORD, approve_assessment, signer_for


def _reseed():
    """Another transactional test may have flushed what the data migrations seeded; put it back."""
    from importlib import import_module

    from django.apps import apps

    from core.roles import sync_role_groups

    sync_role_groups(apps)
    import_module("governance.migrations.0002_seed_sign_off_functions").seed(apps, None)
    import_module("governance.migrations.0004_seed_questionnaire_and_policies").seed(apps, None)


@pytest.fixture
def reseeded(transactional_db):
    _reseed()


@pytest.mark.django_db(transaction=True)
def test_the_last_two_functions_signed_at_once_approve_the_review_once(reseeded, units):
    from lifecycle import services as lifecycle
    from portfolio import services as portfolio
    from tests.governance.helpers import person

    ds = person("ds", "data_scientist", units=(units["RETAIL"],))
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud scoring", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="fraud-scorer", use_case=use_case)
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    review = Review.objects.get(version=submit(ds, model))
    signers = {"validation": signer_for("validation"), "business": signer_for("business")}
    start, errors = threading.Barrier(2), []

    def sign(function):
        try:
            start.wait(timeout=10)
            services.sign_off_record(
                actor=signers[function], review=review, function=function, decision="approve", password=PASSWORD
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(f,)) for f in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    review.refresh_from_db()
    assert review.status == "approved"
    assert SignOff.objects.filter(review=review, invalidated_at__isnull=True).count() == 2
    assert AuditEvent.objects.filter(action="review.approved", target_id=str(review.pk)).count() == 1


def test_the_demo_seeds_assessed_use_cases_and_reviews_waiting_on_functions(db):
    from django.core.management import call_command

    call_command("seed_demo")
    tiers = set(RiskAssessment.objects.filter(status="approved").values_list("tier", flat=True))
    assert tiers == {"low", "medium", "high", "critical"}
    assert RiskAssessment.objects.filter(eu_category="prohibited", use_case__status="rejected").exists()
    open_reviews = Review.objects.filter(status="open")
    assert open_reviews.exists() and SignOff.objects.filter(review__in=open_reviews).exists()
    assert Review.objects.filter(status="approved", version__stage__in=["production", "deprecated"]).exists()
    from governance.models import PostImplementationReview

    emergency = PostImplementationReview.objects.get(status="open")
    assert emergency.release.status == "released" and emergency.release.version.stage == "production"
    # Every approved version has a complete card; one waiting version's card is partial; one assessment fails.
    from governance import cards
    from governance.models import BiasAssessment, ModelCard

    scores = {c.version.stage: [] for c in ModelCard.objects.select_related("version")}
    for card in ModelCard.objects.select_related("version"):
        scores[card.version.stage].append(cards.completeness(card, card.version))
    assert set(scores["production"]) == {100} and min(scores["pending_approval"]) < 100
    failing = BiasAssessment.objects.get(passed=False)
    assert "disparate impact" in failing.failures[0] and failing.version.stage == "pending_approval"
    # A vendor supplies two models; two concerns are open, one anonymous, one escalated past its deadline.
    from governance.models import Concern
    from sourcing.models import Vendor

    assert Vendor.objects.get().supplies.count() == 2
    open_concerns = Concern.objects.still_open()
    assert open_concerns.count() == 2
    assert open_concerns.filter(anonymous=True).exists() and open_concerns.filter(escalated_at__isnull=False).exists()
    # Two evaluations: one adopted after a passed trial, with its reference architecture; one in trial. An
    # external audit has reported three findings; one follow-up is overdue.
    from django.contrib.auth.models import User

    from compliance import selectors
    from compliance.models import ExternalAudit
    from sourcing.models import ApprovedStandard, TechnologyEvaluation

    adopted = TechnologyEvaluation.objects.get(decision="adopt")
    assert adopted.trials.filter(outcome="pass").exists()
    assert ApprovedStandard.objects.get(evaluation=adopted).kind == "reference_architecture"
    assert TechnologyEvaluation.objects.filter(status="in_trial").count() == 1
    reported = ExternalAudit.objects.get(status="reported")
    assert reported.findings.count() == 3
    assert selectors.follow_ups_overdue(user=User.objects.get(username="exec")).count() == 1
