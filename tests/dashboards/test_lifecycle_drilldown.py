"""The executive lifecycle chart drills down: each bar opens the use case or version list filtered to its
quarter, step and unit, and that list holds exactly as many rows as the bar is tall. The filters behind it
refuse bad values by name."""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from core.periods import quarter_start
from lifecycle import services as lifecycle
from lifecycle.models import AIModel, StageTransition
from portfolio import services as portfolio
from portfolio.models import UseCase, UseCaseTransition

pytestmark = pytest.mark.django_db
THIS_Q = quarter_start(timezone.localdate())
LAST_Q = quarter_start(THIS_Q - timedelta(days=1))


def _at(day, hour=12, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def moves(units, make_user):
    """Moves in two quarters and two units, some on the quarters' edges (local time):
    RETAIL: A proposed last quarter, approved last quarter at 23:30 on its last day, live this quarter;
            B proposed last quarter, approved at 00:30 on this quarter's first day; C proposed this quarter.
            version r1 to production last quarter and again this quarter (counted once per quarter),
            r2 to production and retired this quarter.
    CORP:   D proposed and approved this quarter, version c1 to production this quarter (both confidential)."""
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"], units["CORP"]))
    cases = {}
    for name, code, created in (("A", "RETAIL", LAST_Q), ("B", "RETAIL", LAST_Q + timedelta(days=20)),
                                ("C", "RETAIL", THIS_Q), ("D", "CORP", THIS_Q)):  # fmt: skip
        case = portfolio.use_case_create(actor=pm, title=f"Case {name}", business_unit=units[code])
        UseCase.objects.filter(pk=case.pk).update(created_at=_at(created, 0, 5))
        cases[name] = case
    UseCase.objects.filter(pk=cases["D"].pk).update(confidential=True)
    for name, to, at in (("A", "approved", _at(THIS_Q - timedelta(days=1), 23, 30)), ("A", "live", _at(THIS_Q)),
                         ("B", "approved", _at(THIS_Q, 0, 30)), ("D", "approved", _at(THIS_Q))):  # fmt: skip
        move = UseCaseTransition.objects.create(
            use_case=cases[name], from_status="proposed", to_status=to, reason="r", actor=pm
        )
        UseCaseTransition.objects.filter(pk=move.pk).update(at=at)
    versions = {}
    for name, case in (("r1", "A"), ("r2", "B"), ("c1", "D")):
        model = lifecycle.model_register(actor=ds, name=f"model-{name}", use_case=cases[case])
        versions[name] = lifecycle.model_version_register(actor=ds, model=model, version="1", signature={})
    AIModel.objects.filter(name="model-c1").update(confidential=True)
    for name, to, at in (("r1", "production", _at(LAST_Q + timedelta(days=3))), ("r1", "production", _at(THIS_Q)),
                         ("r1", "production", _at(THIS_Q, 15)), ("r2", "production", _at(THIS_Q)),
                         ("r2", "retired", _at(THIS_Q, 13)), ("c1", "production", _at(THIS_Q))):  # fmt: skip
        move = StageTransition.objects.create(version=versions[name], from_stage="staging", to_stage=to)
        StageTransition.objects.filter(pk=move.pk).update(at=at)
    return {"cases": cases, "versions": versions}


def _bars(client, query=""):
    """{(series, quarter): drill-down URL and height} of the lifecycle chart."""
    figure = client.get(f"/dashboards/executive/{query}").context["moves_figure"]
    return {
        (trace["name"], quarter): (url, height)
        for trace in figure["data"]
        for quarter, height, url in zip(trace["x"], trace["y"], trace["customdata"], strict=True)
    }


def _listed(client, url) -> list:
    response = client.get(url)
    assert response.status_code == 200 and not response.context["filterset"].errors
    return list(response.context["paginator"].object_list)


def _api_count(api_client, url) -> int:
    path, query = urlsplit(url).path, urlsplit(url).query
    resource = "use-cases" if path.startswith("/portfolio/") else "model-versions"
    response = api_client.get(f"/api/v1/{resource}/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_every_bar_opens_a_list_as_long_as_the_bar(client, units, make_user, moves):
    boss = make_user("boss", "executive")
    client.force_login(boss)
    bars = _bars(client)
    last, this = f"{LAST_Q.year}-Q{(LAST_Q.month - 1) // 3 + 1}", f"{THIS_Q.year}-Q{(THIS_Q.month - 1) // 3 + 1}"
    # The heights counted by hand from the fixture.
    expected = {
        ("use cases proposed", last): 2, ("use cases proposed", this): 2,
        ("use cases approved", last): 1, ("use cases approved", this): 2,
        ("use cases live", last): 0, ("use cases live", this): 1,
        ("versions to production", last): 1, ("versions to production", this): 3,
        ("versions retired", last): 0, ("versions retired", this): 1,
    }  # fmt: skip
    assert {key: bars[key][1] for key in expected} == expected
    api_client = client  # the API takes the session too
    for (series, quarter), (url, height) in bars.items():
        assert len(_listed(client, url)) == height, (series, quarter, url)
        assert _api_count(api_client, url) == height, (series, quarter, url)
    url = bars[("use cases approved", last)][0]
    assert [c.title for c in _listed(client, url)] == ["Case A"]  # 23:30 on the last day stays in its quarter
    url = bars[("versions to production", this)][0]
    assert sorted(v.model.name for v in _listed(client, url)) == ["model-c1", "model-r1", "model-r2"]


def test_the_unit_filter_carries_over_and_hidden_work_is_never_listed(client, units, make_user, moves):
    boss = make_user("boss", "executive")
    client.force_login(boss)
    for (series, quarter), (url, height) in _bars(client, "?unit=RETAIL").items():
        listed = _listed(client, url)
        assert len(listed) == height
        units_listed = {getattr(item, "business_unit", None) or item.model.use_case.business_unit for item in listed}
        assert units_listed <= {units["RETAIL"]}, (series, quarter)
    # A RETAIL head sees neither CORP's confidential use case nor its version, on the chart or behind it.
    head = make_user("head", units=(units["RETAIL"],))
    head.user_permissions.add(Permission.objects.get(codename="view_executive"))
    client.force_login(head)
    seen = set()
    for url, height in _bars(client).values():
        listed = _listed(client, url)
        assert len(listed) == height
        seen |= {getattr(item, "title", None) or item.model.name for item in listed}
    assert seen == {"Case A", "Case B", "Case C", "model-r1", "model-r2"}
    everything = _listed(client, f"/lifecycle/versions/?moved_after={LAST_Q}")
    assert moves["versions"]["c1"] not in everything and moves["versions"]["r1"] in everything
    assert "Case D" not in [c.title for c in _listed(client, f"/portfolio/use-cases/?created_after={LAST_Q}")]


def test_the_list_names_the_active_filter_and_removes_it(client, units, make_user, moves):
    client.force_login(make_user("boss", "executive"))
    url = f"/portfolio/use-cases/?moved_to=approved&moved_after={THIS_Q}&moved_before={THIS_Q + timedelta(days=5)}"
    page = client.get(url).content.decode()
    chips = page.split('data-testid="filter-chips"')[1].split("</p>")[0]
    assert f"Moved to Approved from {THIS_Q} to {THIS_Q + timedelta(days=5)}" in chips
    assert 'href="?"' in chips  # removing the chip lists every use case again
    page = client.get("/lifecycle/versions/?created_after=x&moved_to=retired&unit=RETAIL").content.decode()
    chips = page.split('data-testid="filter-chips"')[1].split("</p>")[0]
    assert "Moved to Retired" in chips and 'href="?created_after=x&amp;unit=RETAIL"' in chips
    page = client.get(f"/portfolio/use-cases/?created_before={THIS_Q}&business_unit={units['RETAIL'].pk}")
    chips = page.content.decode().split('data-testid="filter-chips"')[1].split("</p>")[0]
    assert f"Proposed on or before {THIS_Q}" in chips and f'href="?business_unit={units["RETAIL"].pk}"' in chips
    assert f'Business unit RETAIL <a href="?created_before={THIS_Q}"' in chips


USE_CASES, VERSIONS = (
    ("/portfolio/use-cases/", "/api/v1/use-cases/"),
    ("/lifecycle/versions/", "/api/v1/model-versions/"),
)


@pytest.mark.parametrize(
    ("lists", "query", "field", "message"),
    [
        (USE_CASES, "moved_to=shipped", "moved_to",
         "Select a valid choice. shipped is not one of the available choices."),
        (USE_CASES, "moved_after=2026-13-01", "moved_after", "Enter a valid date."),
        (USE_CASES, "moved_after=2026-07-02&moved_before=2026-07-01", "moved_after",
         "moved_after (2026-07-02) is later than moved_before (2026-07-01)."),
        (USE_CASES, "created_after=2026-07-02&created_before=2026-07-01", "created_after",
         "created_after (2026-07-02) is later than created_before (2026-07-01)."),
        (VERSIONS, "moved_to=live", "moved_to", "Select a valid choice. live is not one of the available choices."),
        (VERSIONS, "moved_before=yesterday", "moved_before", "Enter a valid date."),
        (VERSIONS, "moved_after=2026-07-02&moved_before=2026-07-01", "moved_after",
         "moved_after (2026-07-02) is later than moved_before (2026-07-01)."),
    ],
)  # fmt: skip
def test_bad_filters_are_refused_by_name(client, units, make_user, moves, lists, query, field, message):
    page_url, api_url = lists
    client.force_login(make_user("boss", "executive"))
    response = client.get(f"{page_url}?{query}")
    assert list(response.context["paginator"].object_list) == []  # nothing listed rather than everything
    errors = response.content.decode().split('data-testid="filter-errors"')[1].split("</div>")[0]
    assert f'<span class="mono">{field}</span>: {message}' in errors
    api = client.get(f"{api_url}?{query}")
    assert api.status_code == 400 and api.json()[field] == [message]
