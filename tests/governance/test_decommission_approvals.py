"""A decommission plan of an assessed model also needs the review-board functions its tier's policy requires,
each approved by an independent holder, before it is announced."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import decommissioning
from lifecycle.models import DecommissionPlan
from notifications.models import Notification
from tests.governance.conftest import MEDIUM_ANSWERS
from tests.governance.helpers import LOW_ANSWERS, approve_assessment, person, signer_for


@pytest.fixture
def plan(ds, model, use_case):
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})  # medium: validation + business
    for function in ("validation", "business"):
        signer_for(function)
    return decommissioning.decommission_plan_create(
        actor=ds, model=model, reason="no_longer_needed", sunset_date=timezone.localdate() + timedelta(days=120)
    )


def test_the_plan_keeps_the_functions_of_its_tier_and_asks_their_holders(plan):
    assert [f["code"] for f in plan.required_functions] == ["validation", "business"]
    asked = Notification.objects.filter(category="decommission", subject__contains="waits for")
    assert {n.recipient.username for n in asked} == {"signer-validation", "signer-business"}


def test_owner_and_validator_are_not_enough_while_a_function_waits(plan, ds):
    validator = person("validator", "review_board")
    decommissioning.decommission_plan_approve(actor=ds, plan=plan, as_role="owner")
    decommissioning.decommission_plan_approve(actor=validator, plan=plan, as_role="validator")
    plan = decommissioning.decommission_plan_approve(actor=signer_for("validation"), plan=plan, as_role="validation")
    assert plan.status == DecommissionPlan.Status.DRAFT
    with pytest.raises(Conflict, match="review-board functions its tier requires"):
        decommissioning.decommission_plan_announce(actor=ds, plan=plan)
    plan = decommissioning.decommission_plan_approve(actor=signer_for("business"), plan=plan, as_role="business")
    assert plan.status == DecommissionPlan.Status.APPROVED
    assert sorted(plan.function_approvals.values_list("function", flat=True)) == ["business", "validation"]


def test_each_function_is_approved_once_by_an_independent_holder(plan, ds, model):
    with pytest.raises(NotAllowed, match="Only holders of the Business function"):
        decommissioning.decommission_plan_approve(actor=signer_for("validation"), plan=plan, as_role="business")
    owner_signer = signer_for("business")
    model.owners.add(owner_signer)
    with pytest.raises(NotAllowed, match="an independent reviewer must approve it"):
        decommissioning.decommission_plan_approve(actor=owner_signer, plan=plan, as_role="business")
    model.owners.remove(owner_signer)
    decommissioning.decommission_plan_approve(actor=owner_signer, plan=plan, as_role="business")
    with pytest.raises(Conflict, match="Business has already approved"):
        decommissioning.decommission_plan_approve(
            actor=person("other-biz", "sign_off_business"), plan=plan, as_role="business"
        )
    with pytest.raises(ApplicationError, match="approve as one of owner, validator, validation, business"):
        decommissioning.decommission_plan_approve(actor=owner_signer, plan=plan, as_role="legal")


def test_the_page_and_the_api_approve_for_a_function(plan, client, api):
    signer = signer_for("business")
    client.force_login(signer)
    url = reverse("lifecycle:decommission_detail", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "Approve for Business" in page and "Approve for Validation" not in page
    client.post(url, {"step": "approve_function", "function": "business"})
    assert "Signer-Business" in client.get(url).content.decode()

    body = api(signer_for("validation")).post(
        f"/api/v1/decommissions/{plan.pk}/approve/", {"as_role": "validation"}, format="json"
    )
    assert body.status_code == 200, body.content
    assert body.json()["required_functions"] == ["validation", "business"]
    assert {a["function"] for a in body.json()["function_approvals"]} == {"validation", "business"}
    refused = api(person("outsider", "data_scientist")).post(
        f"/api/v1/decommissions/{plan.pk}/approve/", {"as_role": "business"}, format="json"
    )
    assert refused.status_code == 403 and "Only holders of the Business function" in refused.content.decode()
    assert plan.function_approvals.count() == 2
