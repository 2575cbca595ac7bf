"""The API shows a model's and a version's effective confidentiality (issue 20): `confidential` is true when the
record or anything above it is (as the scoping decides), and `confidential_source` names whose flag it is; lists
read it in the same query, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle import services as lifecycle
from portfolio import services as portfolio
from tests.governance.helpers import person


@pytest.fixture
def pm(units):
    return person("pm-conf", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def ds(units):
    return person("ds-conf", "data_scientist", units=(units["RETAIL"],))


def _chain(pm, ds, units, name, *, use_case_confidential=False, model_confidential=False):
    use_case = portfolio.use_case_create(
        actor=pm, title=f"Use case of {name}", business_unit=units["RETAIL"], confidential=use_case_confidential
    )
    model = lifecycle.model_register(actor=ds, name=name, use_case=use_case, confidential=model_confidential)
    version = lifecycle.model_version_register(actor=ds, model=model, version="1", metrics={"auc": 0.9})
    return use_case, model, version


def _seen(api, user, kind, pk):
    """(confidential, confidential_source) on the detail and in the list."""
    client = api(user)
    detail = client.get(f"/api/v1/{kind}/{pk}/").json()
    listed = next(row for row in client.get(f"/api/v1/{kind}/?page_size=500").json()["results"] if row["id"] == pk)
    assert (listed["confidential"], listed["confidential_source"]) == (
        detail["confidential"],
        detail["confidential_source"],
    )
    return detail["confidential"], detail["confidential_source"]


def test_a_confidential_use_case_makes_its_model_and_versions_confidential_in_the_api(pm, ds, units, api):
    use_case, model, version = _chain(pm, ds, units, "inherits", use_case_confidential=True)
    assert not model.confidential  # its own flag is off
    assert _seen(api, ds, "models", model.pk) == (True, "use_case")
    assert _seen(api, ds, "model-versions", version.pk) == (True, "use_case")


def test_a_model_s_own_flag_reaches_its_versions(pm, ds, units, api):
    _, model, version = _chain(pm, ds, units, "own-flag", model_confidential=True)
    assert _seen(api, ds, "models", model.pk) == (True, "model")
    assert _seen(api, ds, "model-versions", version.pk) == (True, "model")


def test_confidential_set_later_shows_at_once_and_an_open_chain_says_so(pm, ds, units, api):
    use_case, model, version = _chain(pm, ds, units, "later")
    assert _seen(api, ds, "models", model.pk) == (False, None)
    assert _seen(api, ds, "model-versions", version.pk) == (False, None)
    portfolio.use_case_update(actor=pm, use_case=use_case, confidential=True, reason="Board asked.")
    assert _seen(api, ds, "models", model.pk) == (True, "use_case")
    assert _seen(api, ds, "model-versions", version.pk) == (True, "use_case")


def test_writing_confidential_still_sets_the_model_s_own_flag(pm, ds, units, api):
    _, model, _ = _chain(pm, ds, units, "written")
    for name, flag in (("registered-closed", True), ("registered-open", False)):
        made = api(ds).post(
            "/api/v1/models/", {"name": name, "use_case": model.use_case_id, "confidential": flag}, format="json"
        )
        assert made.status_code == 201, made.content
        body = made.json()
        assert (body["confidential"], body["confidential_source"]) == (flag, "model" if flag else None)
        assert model.__class__.objects.get(pk=body["id"]).confidential is flag


def test_the_lists_cost_the_same_for_two_rows_or_ten(pm, ds, units, api):
    def queries(kind):
        with CaptureQueriesContext(connection) as captured:
            assert api(ds).get(f"/api/v1/{kind}/").status_code == 200
        return len(captured)

    for n in range(2):
        _chain(pm, ds, units, f"few-{n}", use_case_confidential=n % 2 == 0)
    few = {kind: queries(kind) for kind in ("models", "model-versions")}
    for n in range(8):
        _chain(pm, ds, units, f"many-{n}", use_case_confidential=n % 2 == 0, model_confidential=n % 3 == 0)
    assert {kind: queries(kind) for kind in ("models", "model-versions")} == few
