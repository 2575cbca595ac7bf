"""The header's global search: grouped by kind, only what the reader may see, flat in queries, calm on bad input."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle import services as lifecycle
from portfolio import services as portfolio
from tests.hostile.world import build_world, marker

KINDS = ("use-cases", "models", "versions", "reviews", "datasets")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _groups(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section data-testid="search-([a-z-]+)">(.*?)</section>', html, re.S))


def test_search_finds_each_kind_and_never_a_hidden_record(units, make_user):
    world = build_world(units, make_user)
    member = _client(world.users["program_manager"])  # of RETAIL, the world's own unit

    html = member.get(reverse("search"), {"q": "zz-"}).content.decode()
    groups = _groups(html)

    assert set(KINDS) <= set(groups)
    assert marker("use_case", "own_confidential") in groups["use-cases"]
    assert marker("use_case", "other") in groups["use-cases"]
    assert marker("model", "own_confidential") in groups["models"]
    assert marker("dataset", "other") in groups["datasets"]
    # Another unit's confidential records (and their models, versions, reviews) appear nowhere on the page.
    assert world.hidden_markers() and not [m for m in world.hidden_markers() if m in html]
    assert marker("model", "other_confidential") not in html
    hidden_review = world.objects["review"]["other_confidential"]
    assert f"Review #{hidden_review.pk} " not in html
    assert member.get(reverse("search"), {"q": f"#{hidden_review.pk}"}).content.decode().count("Review #") == 0

    # Who sees every unit finds them.
    everything = _client(world.users["executive"]).get(reverse("search"), {"q": "zz-"}).content.decode()
    assert marker("use_case", "other_confidential") in everything
    assert f"Review #{hidden_review.pk} " in everything


def test_search_by_code_mlflow_name_and_version(units, make_user):
    world = build_world(units, make_user)
    client = _client(world.users["executive"])
    use_case = world.objects["use_case"]["own"]
    model = world.objects["model"]["own"]
    version = world.objects["model_version"]["own"]
    model.mlflow_name = "retail.card-fraud"
    model.save(update_fields=["mlflow_name"])

    by_code = _groups(client.get(reverse("search"), {"q": use_case.code.lower()}).content.decode())
    assert use_case.title in by_code["use-cases"]
    by_mlflow = _groups(client.get(reverse("search"), {"q": "card-fraud"}).content.decode())
    assert model.name in by_mlflow["models"]
    assert f"{model.name} v{version.version}" in by_mlflow["versions"]
    review = world.objects["review"]["own"]
    by_number = _groups(client.get(reverse("search"), {"q": f"#{review.pk}"}).content.decode())
    assert reverse("governance:review_detail", args=[review.pk]) in by_number["reviews"]


def test_search_costs_the_same_queries_for_more_matches(units, make_user):
    world = build_world(units, make_user)
    user = world.users["program_manager"]
    client = _client(user)
    client.get(reverse("search"), {"q": "zz-"})  # warm per-user caches (permissions, memberships)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("search"), {"q": "zz-"}).status_code == 200
        return len(ctx)

    before = queries()
    builder = make_user("more_builder", "program_manager", "data_scientist", units=(units["RETAIL"],))
    for n in range(6):
        case = portfolio.use_case_create(actor=builder, title=f"zz-more-{n}", business_unit=units["RETAIL"])
        model = lifecycle.model_register(actor=builder, name=f"zz-more-model-{n}", use_case=case)
        lifecycle.model_version_register(actor=builder, model=model, version=f"{n}", metrics={"auc": 0.8})
    assert queries() == before


def test_empty_too_long_and_null_searches_are_answered_calmly(make_user, units):
    client = _client(make_user("pat", "program_manager", units=(units["RETAIL"],)))

    empty = client.get(reverse("search"), {"q": "   "})
    assert empty.status_code == 200
    assert 'data-testid="search-empty"' in empty.content.decode()

    too_long = client.get(reverse("search"), {"q": "x" * 101})
    assert too_long.status_code == 200
    assert "A search is at most 100 characters: shorten it." in too_long.content.decode()

    null = client.get(reverse("search"), {"q": "credit\x00"})
    assert null.status_code == 200
    assert 'data-testid="search-error"' in null.content.decode()

    nothing = client.get(reverse("search"), {"q": "no such thing"})
    assert "Nothing you may see matches" in nothing.content.decode()


def test_search_needs_a_signed_in_user(client):
    response = client.get(reverse("search"), {"q": "credit"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_header_offers_the_search_to_signed_in_users(make_user, units):
    html = _client(make_user("pat", "program_manager", units=(units["RETAIL"],))).get("/portfolio/ranking/")
    assert re.search(r'<form role="search" method="get" action="/search/"', html.content.decode())
