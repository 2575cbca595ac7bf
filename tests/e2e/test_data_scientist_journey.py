"""The data scientist's journey in Chromium on the demo data, by clicking only: pick a version, link its
training and evaluation data with their exact revisions (registering the evaluation set on the way), record
where it will run, write its model card, submit its test evidence, request review and watch the checklist of
what stands before production follow; reviewers accept the evidence and sign on their pages, then the
version is approved and promoted to staging and production from its page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODEL = "personalised-savings-nudges"  # in validation in the demo, medium tier: validation + business sign
EVALUATION_SET = "retail.savings_holdout_2026q3"


def sign_in(page, live_server, username: str):
    from portfolio.demo import DEMO_PASSWORD

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    return page


def gate(page, name: str):
    """The first row of the checklist for a gate (its next stage comes first)."""
    return page.get_by_test_id("gate-checklist").locator(f'tr[data-gate="{name}"]').first


def move(page, to_label: str, reason: str):
    form = page.get_by_test_id("version-move")
    form.get_by_label("Move to").select_option(label=to_label)
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Move").click()
    page.wait_for_load_state("load")


def no_placeholder_dashes(page):
    assert "---------" not in page.content()


def test_a_data_scientist_brings_a_version_to_production_in_the_browser(
    login, live_server, browser, console_errors, screenshots
):
    from governance import demo as governance_demo
    from governance.models import Review
    from governance.required_evidence import version_requirements
    from lifecycle.models import Dataset, Deployment, ModelVersion
    from portfolio.demo import DEMO_PASSWORD
    from tests.governance.helpers import FULL_CARD, TEST_EVIDENCE

    version = ModelVersion.objects.select_related("model").get(model__name=MODEL, version="1")
    assert version.stage == "in_validation"
    registered_digest = version.digest

    # The data scientist finds the version from the model's page.
    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/models/{version.model_id}/")
    page.get_by_test_id("version-table").get_by_role("link", name="v1", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"{MODEL} v1")
    expect(gate(page, "production deployment recorded")).to_contain_text("Failed")
    expect(gate(page, "production deployment recorded").get_by_role("link")).to_have_text("Record deployment →")
    page.screenshot(path=str(screenshots / "ds-version-before.png"), full_page=True)

    # Link the training data at its exact revision.
    page.get_by_test_id("version-data").get_by_role("button", name="Link data").click()
    no_placeholder_dashes(page)
    link_form = page.get_by_test_id("link-form")
    link_form.get_by_label("Dataset").select_option(label="retail.card_transactions")
    link_form.get_by_label("Role").select_option(label="Training")
    link_form.get_by_label("Data revision").fill("dvc:9f2c1e7")
    link_form.get_by_label("Content hash").fill("ab" * 32)
    link_form.get_by_role("button", name="Link data").click()
    expect(page.locator(".flash-success")).to_contain_text("linked as training data at dvc:9f2c1e7")

    # The evaluation set is not in the catalogue: register it here, with its privacy treatment, then link it.
    register = page.get_by_test_id("register-dataset-form")
    register.get_by_label("Name", exact=True).fill(EVALUATION_SET)
    register.get_by_label("Source system").fill("lakeFS")
    register.get_by_label("Location (URI)").fill("lakefs://savings/main/holdout/")
    register.get_by_label("Owner (data steward)").select_option(label="Daniel Sousa")
    register.get_by_label("Business unit").select_option(label="RETAIL · Retail Banking")
    register.get_by_label("Sensitivity").select_option(label="Confidential")
    register.get_by_label("Holds personal data").check()
    register.get_by_label("Lawful basis").select_option(label="Contract")
    register.get_by_label("Privacy treatment").select_option(label="Pseudonymised")
    register.get_by_label("Retention (days)").fill("730")
    register.get_by_role("button", name="Register dataset").click()
    expect(page.locator(".flash-success")).to_contain_text("is in the catalogue")
    link_form = page.get_by_test_id("link-form")
    expect(link_form.get_by_label("Dataset")).to_have_value(str(Dataset.objects.get(name=EVALUATION_SET).pk))
    link_form.get_by_label("Role").select_option(label="Evaluation (validation)")
    link_form.get_by_label("Data revision").fill("lakefs://savings/main@4be1d0a")
    link_form.get_by_role("button", name="Link data").click()
    expect(page.get_by_test_id("linked-data")).to_contain_text("lakefs://savings/main@4be1d0a")
    page.screenshot(path=str(screenshots / "ds-link-data.png"), full_page=True)
    version.refresh_from_db()
    assert version.digest != registered_digest  # the data is part of the digest
    assert version.dataset_links.get(role="training").revision == "dvc:9f2c1e7"

    # Record where and how it will run.
    page.get_by_role("link", name="back to the version").click()
    page.get_by_test_id("version-deployments").get_by_role("button", name="Record deployment").click()
    no_placeholder_dashes(page)
    form = page.get_by_test_id("deployment-form")
    form.get_by_label("Environment").select_option(label="Production")
    form.get_by_label("Target platform").fill("Kubernetes (EKS)")
    form.get_by_label("Regions").fill("eu-west-1, eu-central-1")
    form.get_by_label("Rollout strategy").select_option(label="Full")
    form.get_by_label("Serving").select_option(label="Dedicated")
    form.get_by_label("Replicas", exact=True).fill("3")
    form.get_by_label("Autoscaling minimum").fill("2")
    form.get_by_label("Autoscaling maximum").fill("6")
    form.get_by_label("Endpoint").fill("https://ml.internal/savings-nudges/v1")
    form.get_by_label("Gateway").fill("Kong")
    form.get_by_label("Authentication").fill("mTLS between services")
    form.get_by_label("Container image digest").fill("sha256:" + "5e" * 32)
    form.get_by_label("Inference logs go to").fill("s3://inference-logs/savings-nudges/")
    form.get_by_label("Inference logs kept (days)").fill("180")
    page.screenshot(path=str(screenshots / "ds-deployment-form.png"), full_page=True)
    form.get_by_role("button", name="Record deployment").click()
    expect(page.locator(".flash-success")).to_contain_text("Production deployment on Kubernetes (EKS) recorded")
    expect(gate(page, "production deployment recorded")).to_contain_text("Passed")
    deployment = Deployment.objects.get(version=version, environment="production")
    assert (deployment.regions, deployment.min_replicas, deployment.max_replicas) == (
        ["eu-central-1", "eu-west-1"],
        2,
        6,
    )

    # Write the model card.
    page.get_by_role("link", name="Model card", exact=True).click()
    page.get_by_role("button", name="Write the card").click()
    card = page.get_by_test_id("card-form")
    for field, text in FULL_CARD.items():
        if field == "explainability_method":
            card.locator(f"[name={field}]").select_option(text)
        else:
            card.locator(f"[name={field}]").fill(text)
    card.get_by_role("button", name="Save the card").click()
    page.wait_for_load_state("load")

    # Submit the test evidence the tier requires.
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    page.get_by_role("link", name="Test evidence", exact=True).click()
    kinds = [r.kind for r in version_requirements(version) if r.state != "accepted"]
    assert kinds, "the medium tier requires test evidence"
    for kind in kinds:
        body = TEST_EVIDENCE[kind]
        submit = page.get_by_test_id("test-evidence-submit")
        submit.locator("[name=kind]").select_option(kind)
        if body.get("method"):
            submit.locator("[name=method]").select_option(body["method"])
        submit.locator("[name=summary]").fill(body["summary"])
        if body.get("results"):
            submit.locator("[name=results]").fill("\n".join(f"{k} = {v}" for k, v in body["results"].items()))
        if body.get("link"):
            submit.locator("[name=link]").fill(body["link"])
        if body.get("reference"):
            submit.locator("[name=reference]").fill(body["reference"])
        submit.get_by_role("button", name="Submit for review").click()
        expect(page.locator(".flash-success")).to_contain_text("Test evidence submitted")

    # Independent reviewers accept it on the same page, each in their own browser.
    reviewers = {governance_demo._reviewer_of(kind).username for kind in kinds}
    for username in sorted(reviewers):
        context = browser.new_context()
        try:
            reviewer = sign_in(context.new_page(), live_server, username)
            reviewer.goto(f"{live_server.url}/governance/versions/{version.pk}/test-evidence/")
            while reviewer.get_by_role("button", name="Accept").count():
                reviewer.get_by_role("button", name="Accept").first.click()
                reviewer.wait_for_load_state("load")
        finally:
            context.close()

    # Request review from the version's page; the checklist moves on to what the review needs.
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    expect(gate(page, "datasets recorded")).to_contain_text("Passed")
    expect(gate(page, "required test evidence")).to_contain_text("Passed")
    expect(gate(page, "model card complete")).to_contain_text("Passed")
    page.screenshot(path=str(screenshots / "ds-checklist-ready.png"), full_page=True)
    move(page, "Pending approval", "Ready for review.")
    expect(page.locator(".flash-success")).to_contain_text("is now pending approval")
    checklist = page.get_by_test_id("gate-checklist")
    expect(checklist).to_contain_text("Next step: Approved")
    expect(gate(page, "review complete")).to_contain_text("Failed")
    expect(gate(page, "review complete").get_by_role("link")).to_have_text("Sign on the review →")
    expect(gate(page, "metric thresholds met")).not_to_contain_text("Not applicable")
    page.screenshot(path=str(screenshots / "ds-checklist-in-review.png"), full_page=True)
    review = Review.objects.get(version=version, status="open")
    review_path = f"/governance/reviews/{review.pk}/"
    assert gate(page, "review complete").get_by_role("link").get_attribute("href") == review_path + "#sign"

    # The board signs on the review page, each member with their password, and approves the version.
    for username, function in (("rb", "Validation"), ("rb3", "Business")):
        context = browser.new_context()
        try:
            signer = sign_in(context.new_page(), live_server, username)
            signer.goto(f"{live_server.url}{review_path}")
            form = signer.get_by_test_id("sign-form")
            form.get_by_label("Sign as").select_option(label=function)
            form.get_by_label("Approve", exact=True).check()
            form.locator("input[name=password]").fill(DEMO_PASSWORD)
            form.get_by_role("button", name="Sign").click()
            expect(signer.locator(".flash-success")).to_contain_text("Signed")
            if username == "rb3":
                signer.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
                move(signer, "Approved", "Every required function approved.")
                expect(signer.locator(".flash-success")).to_contain_text("is now approved")
        finally:
            context.close()

    # The data scientist promotes it to staging, then production, from the version's page.
    page.reload()
    expect(page.get_by_test_id("gate-checklist")).to_contain_text("Next step: Production")
    move(page, "Staging", "Smoke tests in staging.")
    expect(page.locator(".flash-success")).to_contain_text("is now staging")
    move(page, "Production", "Approved by the review board; staging checks green.")
    expect(page.locator(".flash-success")).to_contain_text("is now production")
    expect(page.get_by_test_id("gate-checklist")).to_contain_text("is in production")
    page.screenshot(path=str(screenshots / "ds-in-production.png"), full_page=True)
    version.refresh_from_db()
    assert version.stage == "production"
    assert console_errors == []


def test_a_refused_move_names_the_gate_and_links_to_its_fix(login, live_server, screenshots):
    from lifecycle.models import ModelVersion

    version = ModelVersion.objects.get(model__name=MODEL, version="1")
    page = login("ds")
    # The training data was linked by mistake: take it back, with a reason.
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/data/")
    row = page.get_by_test_id("linked-data").locator("tr", has_text="Training")
    row.get_by_label("Reason for removing retail.card_transactions").fill("Trained on the 2025 extract instead.")
    row.get_by_role("button", name="Remove").click()
    expect(page.locator(".flash-success")).to_contain_text("no longer linked")
    page.get_by_role("link", name="back to the version").click()
    expect(gate(page, "datasets recorded")).to_contain_text("Failed")

    move(page, "Pending approval", "Trying early.")
    refusal = page.locator(".flash-error")
    expect(refusal).to_contain_text("datasets recorded")
    expect(refusal).to_contain_text("No training dataset is recorded for this version")
    page.screenshot(path=str(screenshots / "ds-refusal.png"), full_page=True)
    refusal.get_by_role("link", name="Link data →").click()
    expect(page.locator("h1")).to_contain_text(f"Data of {MODEL} v1")


def test_datasets_consumers_and_people_are_kept_in_the_browser(login, live_server, screenshots):
    from lifecycle.models import AIModel, Dataset, DownstreamConsumer

    model = AIModel.objects.get(name=MODEL)
    page = login("ds")
    # A dataset's details are edited on its own page, not only by re-importing the catalogue.
    page.goto(f"{live_server.url}/lifecycle/models/{model.pk}/")
    page.get_by_test_id("version-table").get_by_role("link", name="retail.card_transactions").first.click()
    page.get_by_test_id("edit-dataset").click()
    no_placeholder_dashes(page)
    form = page.get_by_test_id("dataset-form")
    expect(form.get_by_label("Lawful basis")).to_have_value("contract")
    form.get_by_label("Retention (days)").fill("3650")
    page.screenshot(path=str(screenshots / "ds-dataset-edit.png"), full_page=True)
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("updated")
    expect(page.get_by_test_id("personal-data")).to_contain_text("Contract")
    assert Dataset.objects.get(name="retail.card_transactions").retention_days == 3650

    # Who calls the model: add a consumer, by a person's full name, then remove it with a reason.
    page.goto(f"{live_server.url}/lifecycle/models/{model.pk}/")
    page.get_by_test_id("people-link").click()
    no_placeholder_dashes(page)
    page.get_by_text("Add a consumer").click()
    consumer = page.get_by_test_id("consumer-form")
    consumer.get_by_label("System").fill("mobile-banking-app")
    consumer.get_by_label("Criticality").select_option(label="High")
    consumer.get_by_label("Contact", exact=True).select_option(label="Daniel Sousa")
    consumer.get_by_role("button", name="Add consumer").click()
    expect(page.locator(".flash-success")).to_contain_text("mobile-banking-app recorded as a consumer")
    expect(page.get_by_test_id("consumers")).to_contain_text("Daniel Sousa")
    page.screenshot(path=str(screenshots / "ds-model-people.png"), full_page=True)
    row = page.get_by_test_id("consumers").locator("tr", has_text="mobile-banking-app")
    row.get_by_label("Reason for removing mobile-banking-app").fill("Calls the new nudges service instead.")
    row.get_by_role("button", name="Remove").click()
    expect(page.locator(".flash-success")).to_contain_text("no longer recorded")
    assert not DownstreamConsumer.objects.filter(model=model, system="mobile-banking-app").exists()
