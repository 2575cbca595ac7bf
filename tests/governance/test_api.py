"""The governance API: status codes with readable bodies, the sign-off endpoint, flat query counts."""

import pytest

from governance import services
from governance.models import Review, SignOff
from lifecycle import services as lifecycle
from tests.governance.conftest import submit
from tests.governance.helpers import LOW_ANSWERS, PASSWORD, person, signer_for


def sign_url(review):
    return f"/api/v1/reviews/{review.pk}/sign-offs/"


def body(function="validation", decision="approve", comment="", password=PASSWORD):
    return {"function": function, "decision": decision, "comment": comment, "password": password}


def test_a_review_lists_required_signed_and_missing(pending, api):
    review = Review.objects.get(version=pending)
    client = api(signer_for("validation"))
    assert client.post(sign_url(review), body(), format="json").status_code == 201
    row = client.get(f"/api/v1/reviews/?model_version={pending.pk}").json()["results"][0]
    assert row["model_version"] == pending.pk and row["status"] == "open"
    assert row["required_functions"] == ["validation", "business"]
    assert [s["function"] for s in row["signed"]] == ["validation"] and row["missing"] == ["business"]
    history = client.get(sign_url(review)).json()
    assert history[0]["meaning"].startswith("I approve this model version") and len(history[0]["digest"]) == 64


@pytest.mark.parametrize(
    ("who", "payload", "code", "words"),
    [
        ("validation", body(password="wrong"), 403, "password is wrong"),
        ("validation", {k: v for k, v in body().items() if k != "password"}, 403, "needs your password"),
        ("risk", body(), 403, "do not hold the Validation"),
        ("validation", body(decision="reject"), 400, "comment: say why"),
        ("validation", body(decision="sure"), 400, "decision"),
        ("validation", body(function="legal"), 403, "do not hold the Legal"),
    ],
)
def test_refusals_answer_with_their_code_and_a_readable_body(pending, api, who, payload, code, words):
    review = Review.objects.get(version=pending)
    response = api(signer_for(who)).post(sign_url(review), payload, format="json")
    assert response.status_code == code, response.json()
    assert words in str(response.json())
    assert not SignOff.objects.exists()


def test_deciding_twice_is_a_conflict(pending, api):
    review = Review.objects.get(version=pending)
    api(signer_for("validation")).post(sign_url(review), body(), format="json")
    response = api(person("v2", "review_board", "sign_off_validation")).post(sign_url(review), body(), format="json")
    assert response.status_code == 409 and "already decided" in response.json()["detail"]


def test_a_session_alone_never_signs(pending, client):
    review = Review.objects.get(version=pending)
    signer_for("validation")
    client.login(username="signer-validation", password=PASSWORD)
    response = client.post(sign_url(review), {"function": "validation", "decision": "approve"})
    assert response.status_code == 403


def test_assessments_through_the_api(use_case, api):
    author, approver = person("author", "review_board"), person("approver", "review_board")
    created = api(author).post(
        "/api/v1/risk-assessments/", {"use_case": use_case.pk, "answers": {"purpose": "x"}}, format="json"
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/risk-assessments/{created.json()['id']}/"
    incomplete = api(author).post(f"{url}submit/", format="json")
    assert incomplete.status_code == 400 and "autonomy" in incomplete.json()["errors"]
    answered = api(author).post(f"{url}answer/", {"answers": LOW_ANSWERS}, format="json").json()
    assert answered["tier"] == "low" and answered["reasons"]
    assert api(author).post(f"{url}submit/", format="json").status_code == 200
    assert api(author).post(f"{url}approve/", format="json").status_code == 403
    assert api(approver).post(f"{url}approve/", format="json").json()["status"] == "approved"
    again = api(approver).post(f"{url}approve/", format="json")
    assert again.status_code == 409 and "submitted" in again.json()["detail"]
    questions = api(author).get("/api/v1/risk-assessments/questionnaire/").json()["questions"]
    assert {q["key"] for q in questions} >= {"annex_iii_areas", "prohibited_practices", "autonomy"}


def test_policies_through_the_api(db, api):
    admin = person("root", "platform_admin")
    below = api(admin).post(
        "/api/v1/review-policies/",
        {"tier": "critical", "required_functions": ["validation"], "reason": "x"},
        format="json",
    )
    assert below.status_code == 400 and "can never go below" in below.json()["detail"]
    denied = api(signer_for("risk")).post(
        "/api/v1/review-policies/", {"tier": "low", "approval_validity_days": 30, "reason": "x"}, format="json"
    )
    assert denied.status_code == 403
    seeded = {tier: services.current_policy(tier).version for tier in ("low", "medium", "high", "critical")}
    made = api(admin).post(
        "/api/v1/review-policies/",
        {"tier": "low", "metric_thresholds": [{"metric": "auc", "operator": ">=", "value": 0.6}], "reason": "AUC"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["version"] == seeded["low"] + 1
    current = api(admin).get("/api/v1/review-policies/?current=true").json()["results"]
    assert {(p["tier"], p["version"]) for p in current} == set({**seeded, "low": seeded["low"] + 1}.items())


@pytest.mark.parametrize("size", [2, 8])
def test_the_review_list_runs_a_constant_number_of_queries(
    pending, ds, model, api, size, django_assert_max_num_queries
):
    for number in range(2, size + 2):
        version = submit(ds, model, number=str(number))
        Review.objects.filter(version=version).exists()
    # each submission superseded the previous review; all stay listed
    client = api(person("reader", "executive"))
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/reviews/?page_size=100")
    assert response.json()["count"] == size + 1


def test_other_units_confidential_reviews_are_hidden(units, api):
    from portfolio import services as portfolio
    from tests.governance.helpers import approve_assessment

    pm = person("corp-pm", "program_manager", units=(units["CORP"],))
    secret = portfolio.use_case_create(actor=pm, title="Secret", business_unit=units["CORP"], confidential=True)
    corp_ds = person("corp-ds", "data_scientist", units=(units["CORP"],))
    model = lifecycle.model_register(actor=corp_ds, name="secret-model", use_case=secret)
    for name in ("assessor", "assessment-approver"):  # the helper's reviewers, made members of CORP
        person(name, "review_board", units=(units["CORP"],))
    approve_assessment(secret)
    version = submit(corp_ds, model)
    review = Review.objects.get(version=version)
    outsider = signer_for("validation")
    assert api(outsider).get(f"/api/v1/reviews/{review.pk}/").status_code == 404
    assert api(outsider).post(sign_url(review), body(), format="json").status_code == 404


def test_signing_a_superseded_review_is_a_conflict(pending, ds, model, api):
    review = Review.objects.get(version=pending)
    lifecycle.model_version_register(actor=ds, model=model, version="2", signature={"inputs": "x"})
    response = api(signer_for("validation")).post(sign_url(review), body(), format="json")
    assert response.status_code == 409 and "superseded" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/risk-assessments/", "/api/v1/review-policies/", "/api/v1/findings/"])
def test_other_lists_run_a_constant_number_of_queries(pending, ds, model, api, url, django_assert_max_num_queries):
    from governance import services

    for number in range(2, 7):
        version = submit(ds, model, number=str(number))
        services.finding_raise(
            actor=signer_for("validation"), review=Review.objects.get(version=version), severity="low", description="x"
        )
    services.review_policy_update(
        actor=person("root", "platform_admin"), tier="low", reason="r", approval_validity_days=9
    )
    client = api(person("reader", "executive"))
    with django_assert_max_num_queries(8):
        response = client.get(f"{url}?page_size=100")
    assert response.status_code == 200 and response.json()["count"] >= 1
