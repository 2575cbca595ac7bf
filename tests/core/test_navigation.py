"""The grouped menu, shaped by what each user holds; breadcrumbs on detail pages."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import resolve, reverse

from core.navigation import MENU, menu_for
from tests.hostile.world import build_world


def _menu(client, path="/portfolio/use-cases/") -> dict[str, list[str]]:
    """The header's groups and their entries, as the page shows them."""
    html = client.get(path).content.decode()
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    groups = re.findall(r'data-testid="menu-[^"]+">\s*<summary[^>]*>([^<]+)</summary>\s*<ul>(.*?)</ul>', header, re.S)
    return {label: re.findall(r"<a [^>]*>([^<]+)</a>", body) for label, body in groups}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_data_scientist_sees_no_admin_items_and_an_admin_does(make_user, units):
    scientist = make_user("dana", "data_scientist", units=(units["RETAIL"],))
    admin = make_user("ade", "platform_admin", is_staff=True)

    seen_by_scientist = _menu(_client(scientist))
    seen_by_admin = _menu(_client(admin))

    assert list(seen_by_scientist) == ["Portfolio", "Models", "Governance", "Monitoring"]
    assert "Register from MLflow" in seen_by_scientist["Models"]
    assert "Data science dashboard" in seen_by_scientist["Models"]
    # Nothing waits in the sign-off queue for someone who holds no sign-off function.
    assert "Sign-off queue" not in seen_by_scientist["Governance"]
    assert "Admin" in seen_by_admin
    assert {"Administration dashboard", "Audit trail", "Webhooks", "Users", "Django admin"} <= set(
        seen_by_admin["Admin"]
    )
    assert "Register from MLflow" not in seen_by_admin["Models"]
    # The pages that were linked from nowhere.
    assert "Versions" in seen_by_admin["Models"] and "Assumptions" in seen_by_admin["Portfolio"]
    assert "MLflow sync runs" in seen_by_admin["Monitoring"]


def test_a_signer_sees_the_queue_and_an_executive_the_audit_trail_only(make_user, units):
    signer = make_user("rachel", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    executive = make_user("elena", "executive")

    assert "Sign-off queue" in _menu(_client(signer))["Governance"]
    assert _menu(_client(executive))["Admin"] == ["Audit trail"]


ROLES = {
    "program_manager": ("program_manager",),
    "data_scientist": ("data_scientist",),
    "review_board": ("review_board", "sign_off_validation"),
    "executive": ("executive",),
    "platform_admin": ("platform_admin",),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_entry_shown_opens_for_the_user_it_is_shown_to(role, make_user, units):
    """What the menu offers, the page lets in: no entry leads to a refusal."""
    user = make_user(role, *ROLES[role], units=(units["RETAIL"],), is_staff=role == "platform_admin")
    client = _client(user)
    refused = [
        f"{link.label} ({link.url}): {status}"
        for group in menu_for(user)
        for link in group.links
        if (status := client.get(link.url).status_code) != 200
    ]
    assert not refused


def test_each_entry_asks_for_the_permission_its_page_checks(db):
    """The menu is data: each entry names a page that exists and a permission that exists; where the page's view
    declares the permission it requires, the entry asks for that same one."""
    for group in MENU:
        for entry in group.entries:
            view_class = getattr(resolve(reverse(entry.url_name)).func, "view_class", None)
            required = getattr(view_class, "permission_required", None)
            if required is not None:
                assert entry.permission == required, entry
            if entry.permission:
                app_label, codename = entry.permission.split(".")
                assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), entry


def test_the_menu_works_without_javascript_and_marks_the_current_page(make_user, units):
    """Groups are <details> disclosures (no script needed to open them); the page being read is marked."""
    user = make_user("pat", "program_manager", units=(units["RETAIL"],))
    html = _client(user).get(reverse("portfolio:roadmap")).content.decode()
    assert html.count('<details class="dropdown nav-group"') == 4
    assert f'<a href="{reverse("portfolio:roadmap")}" aria-current="page">Roadmap</a>' in html
    assert re.search(r'data-testid="menu-portfolio">\s*<summary class="current">Portfolio</summary>', html)


def test_anonymous_visitors_get_no_menu(client):
    html = client.get(reverse("login")).content.decode()
    assert "nav-group" not in html and "site-search" not in html


# --- Breadcrumbs ------------------------------------------------------------------------------------------

BREADCRUMB_PAGES = {
    "portfolio:usecase_detail": ("use_case", ["Use cases"]),
    "lifecycle:model_detail": ("model", ["Models"]),
    "governance:model_card": ("model_version", ["Models", "{model}", "v{version}"]),
    "monitoring:version_metrics": ("model_version", ["Models", "{model}", "v{version}"]),
    "lifecycle:dataset_detail": ("dataset", ["Datasets"]),
    "governance:review_detail": ("review", ["Models", "{model}", "v{version}"]),
    "lifecycle:decommission_detail": ("decommission", ["Models", "{model}", "Decommissions"]),
    "governance:concern_detail": ("concern", ["Concerns"]),
    "sourcing:vendor_detail": ("vendor", ["Vendors"]),
}


def _crumbs(html: str) -> list[tuple[str, str | None]]:
    nav = re.search(r'<nav aria-label="Breadcrumb"[^>]*><ol>(.*?)</ol></nav>', html, re.S)
    assert nav, "no breadcrumb trail"
    items = re.findall(r"<li( aria-current=\"page\")?>(?:<a href=\"([^\"]+)\">)?([^<]+)", nav.group(1))
    return [(label.strip(), href or None) for current, href, label in items]


def test_detail_pages_show_where_they_sit(units, make_user):
    world = build_world(units, make_user)
    client = _client(world.users["executive"])
    for url_name, (resource, trail) in BREADCRUMB_PAGES.items():
        obj = world.objects[resource].get("own") or world.objects[resource]["any"]
        response = client.get(reverse(url_name, args=[obj.pk]))
        assert response.status_code == 200, url_name
        crumbs = _crumbs(response.content.decode())

        names = {}
        if resource in ("model_version", "review"):
            version = obj if resource == "model_version" else obj.version
            names = {"model": version.model.name, "version": version.version}
        elif resource == "decommission":
            names = {"model": obj.model.name}
        expected = [step.format(**names) for step in trail]
        assert [label for label, _ in crumbs[: len(expected)]] == expected, url_name
        # Every step but the last is a link that opens; the last is the page itself.
        assert all(href for _, href in crumbs[:-1]) and crumbs[-1][1] is None, url_name
        for _, href in crumbs[:-1]:
            assert client.get(href).status_code == 200, f"{url_name}: {href}"


def test_pages_without_a_trail_show_no_empty_breadcrumb_items(make_user, units):
    user = make_user("pat", "program_manager", units=(units["RETAIL"],))
    html = _client(user).get(reverse("portfolio:ranking")).content.decode()
    assert re.search(r'<nav aria-label="Breadcrumb"[^>]*><ol></ol></nav>', html)
