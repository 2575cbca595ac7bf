"""T26: confidentiality flows downwards, when set and when set later.

A use case of another unit, confidential from the start, whose model was registered with its own flag off: the model,
its versions and everything under them (reviews, cards, evidence, alerts, costs...) answer 404 on every page and API
read that addresses them, and appear in no list, search, export or dashboard of an outsider. The hostile world
(tests/hostile/world.py) covers the other case on the whole matrix: its other unit's confidential use case is made
confidential only after its model and version exist.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from core.permissions import grant
from lifecycle import decommissioning
from lifecycle import services as lifecycle
from portfolio import services as portfolio

from .policy import API, EXCLUDED_ROUTES, PAGES, Read
from .surface import api_operations, pages
from .world import _governed, marker

FRESH = "set_at_creation"
READER = "data_scientist"  # a member of RETAIL only


@pytest.fixture
def hidden_chain(world, units):
    builder = User.objects.get(username="builder")
    use_case = portfolio.use_case_create(
        actor=builder, title=marker("use_case", FRESH), business_unit=units["CORP"], confidential=True
    )
    use_case.risk_tier = "low"  # the tier comes from an assessment, tested in tests/governance
    use_case.save(update_fields=["risk_tier"])
    # Its own flag explicitly off: the use case's flag must hide it all the same.
    model = lifecycle.model_register(actor=builder, name=marker("model", FRESH), use_case=use_case, confidential=False)
    version = lifecycle.model_version_register(
        actor=builder, model=model, version=marker("model_version", FRESH), metrics={"auc": 0.9}
    )
    chain = {
        "use_case": use_case,
        "model": model,
        "model_version": version,
        "deployment": lifecycle.deployment_record(
            actor=builder, version=version, environment="staging", endpoint=marker("deployment", FRESH)
        ),
        "consumer": decommissioning.consumer_register(
            actor=builder, model=model, system=marker("consumer", FRESH), contact_email="ops@example.com"
        ),
        "decommission": decommissioning.decommission_plan_create(
            actor=builder,
            model=model,
            reason="no_longer_needed",
            sunset_date=timezone.localdate() + timedelta(days=400),
            explanation=marker("decommission", FRESH),
        ),
    }
    chain.update(_governed(world, builder, FRESH, model, version))
    assert not model.confidential and not version.model.confidential
    return chain


def _reads():
    for op in api_operations():
        if op.safe and isinstance(API.get(op.operation_id), Read):
            yield API[op.operation_id], op.url, str(op)
    for page in pages(tuple(EXCLUDED_ROUTES)):
        if isinstance(PAGES.get(page.name), Read):
            yield PAGES[page.name], page.url, str(page)


def _body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8", "replace")


def test_nothing_under_a_confidential_use_case_reaches_an_outsider(hidden_chain, clients):
    markers = [marker(resource, FRESH) for resource in hidden_chain]
    api, browser = clients[READER]
    problems, addressed, swept = [], 0, 0
    for entry, url_for, label in _reads():
        client = api if label.startswith("GET /api/") else browser
        if entry.resource is not None:
            if entry.rule != "scoped" or entry.resource not in hidden_chain:
                continue
            record = hidden_chain[entry.resource]
            url = url_for(record.pk)
            if entry.query:
                url += ("&" if "?" in url else "?") + entry.query.format(id=record.pk)
            addressed += 1
            response = client.get(url)
            if response.status_code != 404:
                problems.append(f"{label} on the hidden {entry.resource}: {response.status_code}, expected 404")
        else:
            url = url_for(None) + (f"?{entry.query}" if entry.query else "")
            swept += 1
            response = client.get(url)
            if response.status_code == 200 and "page_size" not in url and label.startswith("GET /api/"):
                response = client.get(url + ("&" if "?" in url else "?") + "page_size=500")
        found = [m for m in markers if m in _body(response)]
        if found:
            problems.append(f"{label}: shows {found}")
    print(f"\nT26 (set at creation): {addressed} reads addressed a hidden record, {swept} lists/pages swept")
    assert addressed > 60 and swept > 100
    assert not problems, "\n".join(problems)


def test_a_model_page_never_names_a_hidden_use_case(hidden_chain, clients, world):
    """A grant opens the model, not its use case: the page shows the model and does not name the use case."""
    model = hidden_chain["model"]
    reader = world.users[READER]
    grant(actor=User.objects.get(username="builder_admin"), grantee=reader, action="view", obj=model, reason="T26")
    page = clients[READER][1].get(f"/lifecycle/models/{model.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert marker("model", FRESH) in text
    assert marker("use_case", FRESH) not in text
    assert hidden_chain["use_case"].code not in text
