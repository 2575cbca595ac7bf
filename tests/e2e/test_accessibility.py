"""WCAG 2.2 AA in Chromium: axe finds no serious or critical violation on any page of the five journeys.

The demo is seeded once; each role signs in once in its own browser context and visits its landing dashboard,
every menu entry it sees, the record pages and the forms of its journey; on the landing page each menu is
also checked open. axe-core runs from the copy bundled
in axe-playwright-python (injected into the page: nothing is loaded from the internet). The failure lists
every violation with its page, rule and target selectors, so one run shows all there is to fix.
"""

from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = ("pm", "ds", "rb", "exec", "admin")
BLOCKING = {"serious", "critical"}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}
# Django's own admin is no page of the journeys (they are done without it); its templates are Django's.
NOT_JOURNEY_PREFIXES = ("/admin/",)


def _first_pk(model, user=None):
    """The first record of `model`; the first `user` may see, where records are restricted per object."""
    rows = model.objects.all()
    if user is not None and hasattr(rows, "restrict"):
        rows = rows.restrict(user, "view")
    row = rows.order_by("pk").first()
    assert row is not None, f"the demo has no {model.__name__}"
    return row.pk


def _record_pages() -> dict[str, list[str]]:
    """One page of each kind and the forms, by the role whose journey goes through them."""
    from django.contrib.auth.models import User

    from governance.models import Concern, Review, ReviewPolicy
    from lifecycle.models import AIModel, DecommissionPlan, EmergencyApproval, ModelVersion
    from lifecycle.models import Dataset as DataSet
    from monitoring.models import Alert
    from portfolio.models import Agreement, BusinessUnit, ScoringCriterion, Team, Wave
    from portfolio.models.reviews import PortfolioReview
    from portfolio.models.strategy import KPI
    from portfolio.models.use_cases import UseCase
    from sourcing.models import Vendor

    pm, ds, rb, exec_ = (User.objects.get(username=name) for name in ("pm", "ds", "rb", "exec"))
    # A restricted personal dataset: its page shows the privacy approver the treatment form.
    personal = DataSet.objects.filter(sensitivity="restricted_personal").restrict(rb, "view").order_by("pk").first()
    assert personal is not None, "the demo has restricted personal data"
    use_case = _first_pk(UseCase, pm)
    version = _first_pk(ModelVersion, ds)
    policy = ReviewPolicy.objects.order_by("-pk").first()
    return {
        "pm": [
            reverse("portfolio:usecase_detail", args=[use_case]),
            reverse("portfolio:usecase_create"),
            reverse("portfolio:kpi_detail", args=[_first_pk(KPI, pm)]),
            reverse("portfolio:review_detail", args=[_first_pk(PortfolioReview, pm)]),
            reverse("portfolio:team_edit", args=[_first_pk(Team)]),
            reverse("portfolio:wave_edit", args=[_first_pk(Wave)]),
            reverse("portfolio:agreement_edit", args=[Agreement.objects.restrict(pm, "change").order_by("pk")[0].pk]),
            "/search/?q=credit",
        ],
        "ds": [
            reverse("lifecycle:model_detail", args=[_first_pk(AIModel, ds)]),
            reverse("lifecycle:version_detail", args=[version]),
            reverse("lifecycle:dataset_detail", args=[_first_pk(DataSet, ds)]),
            reverse("lifecycle:version_data", args=[version]),
            reverse("lifecycle:deployment_record", args=[version]),
            reverse("governance:freeze_exemption_request", args=[version]),
            reverse("lifecycle:decommission_detail", args=[_first_pk(DecommissionPlan, ds)]),
            reverse("monitoring:alert_detail", args=[_first_pk(Alert, ds)]),
            "/search/?q=credit",
        ],
        "rb": [
            reverse("governance:review_detail", args=[_first_pk(Review, rb)]),
            reverse("governance:concern_detail", args=[_first_pk(Concern, rb)]),
            reverse("lifecycle:dataset_detail", args=[personal.pk]),
            reverse("sourcing:vendor_detail", args=[_first_pk(Vendor, rb)]),
            reverse("governance:freeze_exemption_detail", args=[_first_pk(EmergencyApproval, rb)]),
        ],
        "exec": [
            reverse("portfolio:usecase_detail", args=[_first_pk(UseCase, exec_)]),
            "/search/?q=credit",
        ],
        "admin": [
            f"{reverse('audit:event_list')}?target_type=portfolio.usecase&target_id={use_case}",
            reverse("governance:training_records"),
            reverse("monitoring:alert_rule_create"),
            reverse("governance:freeze_windows"),
            reverse("governance:review_policy_create", args=[policy.pk]),
            reverse("portfolio:business_unit_detail", args=[_first_pk(BusinessUnit)]),
            reverse("portfolio:scoring_criterion_edit", args=[_first_pk(ScoringCriterion)]),
            reverse("portfolio:team_edit", args=[_first_pk(Team)]),
        ],
    }


def _pages_of(user, extra: list[str]) -> list[str]:
    from core.navigation import landings_for, menu_for

    paths = [reverse(landings_for(user)[0].url_name)]
    paths += [link.url for group in menu_for(user) for link in group.links]
    paths += extra
    seen, ordered = set(), []
    for path in paths:
        if path not in seen and not path.startswith(NOT_JOURNEY_PREFIXES):
            seen.add(path)
            ordered.append(path)
    return ordered


def _sign_in(page, live_server, username):
    from portfolio.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def _collect(results, where: str, violations: list[str], by_rule: Counter) -> None:
    for rule in results.response["violations"]:
        if rule["impact"] not in BLOCKING:
            continue
        by_rule[rule["id"]] += len(rule["nodes"])
        targets = "; ".join(" ".join(map(str, node["target"])) for node in rule["nodes"][:6])
        more = f" (+{len(rule['nodes']) - 6} more)" if len(rule["nodes"]) > 6 else ""
        violations.append(f"{where} [{rule['impact']}] {rule['id']}: {targets}{more}")
        print(violations[-1])


def test_every_page_of_the_journeys_passes_axe(browser, live_server, demo):
    from django.contrib.auth.models import User

    axe = Axe()
    extras = _record_pages()
    violations: list[str] = []
    by_rule: Counter = Counter()
    checked = menus_checked = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        _sign_in(page, live_server, username)
        for index, path in enumerate(_pages_of(user, extras[username])):
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            if response is None or response.status != 200:
                violations.append(f"{username} {path}: answered {response and response.status}, not 200")
                continue
            checked += 1
            _collect(axe.run(page, options=AXE_OPTIONS), f"{username} {path}", violations, by_rule)
            if index == 0:
                # The menu's groups and the user menu, each opened in turn (opening one closes the others).
                menus = page.locator("header details")
                for number in range(menus.count()):
                    menus.nth(number).evaluate(
                        "d => { document.querySelectorAll('header details[open]').forEach(o => { o.open = false; });"
                        " d.open = true; }"
                    )
                    # Pico fades the list in: measure contrast once it is fully opaque, as a reader sees it.
                    page.wait_for_function(
                        "() => getComputedStyle(document.querySelector('header details[open] > ul')).opacity === '1'"
                    )
                    where = f"{username} {path} (menu {number + 1} open)"
                    _collect(axe.run(page, "header details[open]", AXE_OPTIONS), where, violations, by_rule)
                    menus_checked += 1
        context.close()

    print(
        f"\naxe: {checked} pages and {menus_checked} open menus checked for {len(ROLES)} roles;"
        f" serious/critical violations = {len(violations)}"
    )
    for rule, count in by_rule.most_common():
        print(f"  {rule}: {count} elements")
    assert not violations, "\n" + "\n".join(violations)
