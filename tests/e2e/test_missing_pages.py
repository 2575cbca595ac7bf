"""The pages that were missing from the journeys, in Chromium on the demo data, by clicking: a privacy approver
approves the treatment of restricted personal data the checklist names; an owner acknowledges an input-signature
break; a platform admin adds a business unit and its members; a promotion puts the deployment live."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def gate(page, name: str):
    return page.get_by_test_id("gate-checklist").locator(f'tr[data-gate="{name}"]').first


def _ds_version_in_validation(name_part: str, *, signature=None):
    """A new version of a demo model the data scientist owns, in validation (set up as the owner would)."""
    from django.contrib.auth.models import User

    from lifecycle import services
    from lifecycle.models import AIModel

    ds = User.objects.get(username="ds")
    model = (
        AIModel.objects.filter(owners=ds, versions__stage="production", confidential=False)
        .distinct()
        .order_by("name")
        .first()
    )
    assert model is not None, "the demo has a production model owned by ds"
    version = services.model_version_register(
        actor=ds,
        model=model,
        version=f"9-{name_part}",
        signature=signature or model.versions.get(stage="production").signature,
    )
    services.model_version_transition(actor=ds, version=version, to_stage="in_validation")
    return ds, version


def test_a_privacy_approver_approves_the_treatment_the_checklist_asks_for(login, live_server, browser, screenshots):
    from lifecycle import datasets
    from lifecycle.models import PrivacyTreatment

    ds, version = _ds_version_in_validation("privacy")
    dataset = datasets.dataset_register(
        actor=ds,
        name="retail.cardholder_profiles",
        business_unit=version.model.use_case.business_unit,
        steward=ds,
        sensitivity="restricted_personal",
        personal_data=True,
        lawful_basis="contract",
        treatment="pseudonymised",
    )
    datasets.version_dataset_link(actor=ds, version=version, dataset=dataset, role="training", revision="dvc:77aa")

    # The data scientist sees the gate fail and follows its link to the dataset's privacy section.
    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    row = gate(page, "datasets recorded")
    expect(row).to_contain_text("Failed")
    row.get_by_role("link", name="Approve its privacy treatment →").click()
    expect(page.locator("h1")).to_have_text("retail.cardholder_profiles")
    expect(page.get_by_test_id("privacy-who")).to_contain_text("You steward this dataset")
    expect(page.get_by_test_id("privacy-form")).to_have_count(0)

    # A review board member (independent of the steward) finds the dataset and approves its treatment.
    context = browser.new_context()
    try:
        rb = context.new_page()
        rb.set_default_timeout(15_000)
        from portfolio.demo import DEMO_PASSWORD

        rb.goto(f"{live_server.url}/accounts/login/")
        rb.locator("input[name=username]").fill("rb")
        rb.locator("input[name=password]").fill(DEMO_PASSWORD)
        rb.get_by_role("button", name="Sign in").click()
        rb.goto(f"{live_server.url}/lifecycle/datasets/?q=cardholder")
        rb.get_by_role("link", name="retail.cardholder_profiles").click()
        form = rb.get_by_test_id("privacy-form")
        form.get_by_label("Method").select_option(label="Differential privacy")
        form.get_by_label("Technique").fill("Laplace noise on balances; customer ids replaced by a keyed hash.")
        form.get_by_role("button", name="Approve the treatment").click()
        expect(rb.get_by_test_id("privacy-form").locator(".errorlist")).to_contain_text("needs its epsilon")
        assert not PrivacyTreatment.objects.filter(dataset=dataset).exists()
        form = rb.get_by_test_id("privacy-form")
        form.get_by_label("Epsilon (ε)").fill("0.8")
        form.get_by_role("button", name="Approve the treatment").click()
        expect(rb.locator(".flash-success")).to_contain_text("Differential privacy of retail.cardholder_profiles")
        expect(rb.get_by_test_id("privacy-approved")).to_contain_text("ε = 0.8")
        rb.screenshot(path=str(screenshots / "privacy-treatment-approved.png"), full_page=True)
    finally:
        context.close()

    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    expect(gate(page, "datasets recorded")).to_contain_text("Passed")


def test_an_owner_acknowledges_a_signature_break_from_the_checklist(login, live_server, screenshots):
    from lifecycle.models import ModelVersion

    ds, version = _ds_version_in_validation(
        "break", signature={"inputs": '[{"name": "features", "type": "string"}, {"name": "channel", "type": "str"}]'}
    )
    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    row = gate(page, "input signature compatible")
    expect(row).to_contain_text("Failed")
    row.get_by_role("link", name="Acknowledge the break →").click()
    section = page.get_by_test_id("signature-break")
    expect(section).to_contain_text("Input channel is new and callers do not send it")
    section.get_by_role("button", name="Acknowledge the break").click()
    expect(page.get_by_test_id("break-form").locator(".errorlist")).to_contain_text("required")
    page.get_by_label("Why the break is accepted").fill(
        "The card authoriser v8 sends the channel and features as text; its team confirmed on 3 December."
    )
    page.get_by_test_id("break-form").get_by_role("button", name="Acknowledge the break").click()
    expect(page.locator(".flash-success")).to_contain_text("Break acknowledged")
    expect(page.get_by_test_id("break-acknowledged")).to_contain_text("card authoriser v8")
    expect(gate(page, "input signature compatible")).to_contain_text("Passed")
    assert ModelVersion.objects.get(pk=version.pk).signature_break_reason.startswith("The card authoriser")
    page.screenshot(path=str(screenshots / "signature-break-acknowledged.png"), full_page=True)


def test_a_platform_admin_adds_a_business_unit_and_its_members(login, live_server, screenshots):
    from portfolio.models import BusinessUnit, Membership

    page = login("admin")
    page.locator("header details").filter(has_text="Admin").first.locator("summary").click()
    page.get_by_role("link", name="Business units").click()
    expect(page.locator("h1")).to_have_text("Business units")
    form = page.get_by_test_id("unit-form")
    form.get_by_label("Code").fill("W")
    form.get_by_label("Name").fill("Wealth management")
    form.get_by_role("button", name="Add business unit").click()
    expect(page.get_by_test_id("unit-form").locator(".errorlist")).to_contain_text("capital letters")
    form = page.get_by_test_id("unit-form")
    form.get_by_label("Code").fill("WEALTH")
    form.get_by_role("button", name="Add business unit").click()
    expect(page.locator(".flash-success")).to_contain_text("WEALTH · Wealth management added")
    page.get_by_test_id("unit-table").get_by_role("link", name="WEALTH").click()

    member = Membership.objects.select_related("user").filter(user__username="ds").first()
    name = member.user.get_full_name()
    page.get_by_label("Find people by name or email").fill(member.user.last_name)
    page.get_by_test_id("member-search").get_by_role("button", name="Find").click()
    picker = page.get_by_test_id("member-form").get_by_label("Person")
    picker.select_option(label=f"{name} · {member.user.email}" if member.user.email else name)
    page.get_by_test_id("member-form").get_by_role("button", name="Add member").click()
    expect(page.locator(".flash-success")).to_contain_text(f"{name} is now a member of WEALTH")
    expect(page.get_by_test_id("member-table")).to_contain_text(name)
    page.screenshot(path=str(screenshots / "business-unit-members.png"), full_page=True)
    unit = BusinessUnit.objects.get(code="WEALTH")
    assert Membership.objects.filter(business_unit=unit, user=member.user).exists()

    row = page.get_by_test_id("member-table").locator("tr", has_text=name)
    row.get_by_role("textbox").fill("Joined by mistake")
    row.get_by_role("button", name="Remove").click()
    expect(page.locator(".flash-success")).to_contain_text(f"{name} is no longer a member of WEALTH")
    assert not Membership.objects.filter(business_unit=unit, user=member.user).exists()


def test_promoting_on_the_version_page_puts_its_deployment_live(login, live_server, screenshots):
    from django.contrib.auth.models import User

    from governance import demo as governance_demo
    from governance import services as governance
    from lifecycle import services as lifecycle
    from lifecycle.models import Deployment, ModelVersion
    from tests.governance.helpers import FULL_CARD, approve_version

    version = ModelVersion.objects.select_related("model").get(model__name="personalised-savings-nudges", version="1")
    ds = User.objects.get(username="ds")
    # Prepared as the journey does (card, evidence, deployment, review) before the data scientist clicks.
    governance.model_card_save(actor=ds, version=version, **FULL_CARD)
    governance_demo.provide_test_evidence(version)
    lifecycle.deployment_record(
        actor=ds, version=version, environment="production", target_platform="Kubernetes (EKS)", regions=["eu-west-1"]
    )
    lifecycle.model_version_transition(actor=ds, version=version, to_stage="pending_approval", reason="Ready")
    approve_version(version)

    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/versions/{version.pk}/")
    deployments = page.get_by_test_id("version-deployments")
    expect(deployments).to_contain_text("Planned")
    move = page.get_by_test_id("version-move")
    move.get_by_label("Move to").select_option(label="Production")
    move.get_by_label("Reason").fill("Approved by the board.")
    move.get_by_role("button", name="Move").click()
    expect(page.locator(".flash-success")).to_contain_text("is now production")
    expect(page.get_by_test_id("version-deployments")).to_contain_text("Active")
    expect(page.get_by_test_id("version-deployments")).not_to_contain_text("Planned")
    page.screenshot(path=str(screenshots / "deployment-live.png"), full_page=True)
    deployment = Deployment.objects.get(version=version, environment="production")
    assert deployment.status == "active" and deployment.started_at is not None
