"""T02: the read-side authorisation matrix (BOLA/BFLA), generated from the OpenAPI schema and the URL resolver.

Every GET operation and every page, for six principals and up to four object classes, answers what
tests/hostile/policy.py declares; no answer (list, export, aggregate, page) contains a record the principal may
not see; anonymous callers are turned away everywhere but the login page and health.
"""

import re

import pytest

from audit.models import AuditEvent

from .matrix import cases, describe, leaks, outcome_matches
from .policy import API, EXCLUDED_ROUTES, OTHER_CONFIDENTIAL, PAGES, RULES, Read, Write
from .surface import api_operations, pages, url_routes

EXCLUDED = tuple(EXCLUDED_ROUTES)
READS = [op for op in api_operations() if op.safe]
PAGE_LIST = pages(EXCLUDED)


def _ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


def test_every_api_operation_has_exactly_one_policy_row():
    schema_ids = {op.operation_id: op for op in api_operations()}
    missing = [
        f'  "{op.operation_id}": {"Read(rule, resource)" if op.safe else "Write(resource, protected=(...))"},'
        f"  # {op.method} {op.path}"
        for op in schema_ids.values()
        if op.operation_id not in API
    ]
    assert not missing, "API operations without a policy row; add to API in tests/hostile/policy.py:\n" + "\n".join(
        missing
    )
    stale = sorted(set(API) - set(schema_ids))
    assert not stale, f"policy rows for operations that no longer exist (remove them): {stale}"
    wrong = [k for k, op in schema_ids.items() if isinstance(API[k], Read) != op.safe]
    assert not wrong, f"a GET needs a Read row and an unsafe method a Write row: {wrong}"
    assert all(isinstance(v, Read | Write) for v in API.values())


def test_every_page_has_exactly_one_policy_row():
    names = {p.name: p for p in PAGE_LIST}
    missing = [f'  "{name}": Read(rule, resource),  # /{p.route}' for name, p in names.items() if name not in PAGES]
    assert not missing, (
        "pages without a policy row; add to PAGES in tests/hostile/policy.py "
        "(or to EXCLUDED_ROUTES with the reason):\n" + "\n".join(missing)
    )
    stale = sorted(set(PAGES) - set(names))
    assert not stale, f"policy rows for pages that no longer exist (remove them): {stale}"
    assert all(entry.rule in RULES for entry in [*PAGES.values(), *API.values()] if isinstance(entry, Read))


def test_every_api_route_is_in_the_schema():
    """A view hidden from the schema would escape every generated test: the URL conf and the schema agree."""
    documented = {op.path for op in api_operations()}
    undocumented = []
    for route in url_routes():
        if not route.route.startswith("api/v1/"):
            continue
        path = "/" + re.sub(r"\(\?P<pk>[^)]+\)", "{id}", route.route.replace("^", "").replace("$", ""))
        if path not in documented:
            undocumented.append(f"{path} ({route.name})")
    assert not undocumented, f"API routes missing from the OpenAPI schema: {undocumented}"


def _denial_recorded(response) -> bool:
    """T14: every refusal leaves exactly one `access.denied` event under the answer's request id."""
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"], action="access.denied")
    return events.count() == 1


def _check(entry, world, clients, url_for, *, api: bool, label: str):
    mismatches, requests = [], 0
    for principal, object_class, record, expected in cases(entry, world):
        client = clients[principal][0 if api else 1]
        url = url_for(record.pk if record is not None else None)
        if entry.query:  # "{id}" in it names the record, for reads that take it as a query parameter
            query = entry.query.format(id=record.pk) if record is not None else entry.query
            url += ("&" if "?" in url else "?") + query
        response = client.get(url)
        requests += 1
        cell = f"{label} as {principal} on {object_class}"
        if not outcome_matches(expected, response, api=api):
            mismatches.append(f"{cell}: expected {expected}, got {describe(response)}")
        found = leaks(world, principal, response)
        if found:
            mismatches.append(f"{cell}: answer shows hidden records {found}")
        if response.status_code == 403 and not _denial_recorded(response):
            mismatches.append(f"{cell}: refused with 403 but no access.denied audit event under its request id")
        if entry.lists and principal != "anonymous" and response.status_code == 200:
            listed = _ids(client.get(url + ("&" if "?" in url else "?") + "page_size=500"))
            for cls, obj in world.objects[entry.lists].items():
                visible = RULES["scoped"][principal].get(cls, 200) == 200
                if visible != (obj.pk in listed):
                    mismatches.append(f"{cell}: {entry.lists} of class {cls} {'missing' if visible else 'listed'}")
    return mismatches, requests


@pytest.mark.parametrize("operation", READS, ids=lambda op: op.operation_id)
def test_api_read_answers_as_the_policy_says(operation, world, clients):
    entry = API.get(operation.operation_id)
    if entry is None:
        pytest.fail(f"no policy row for {operation}: add one to API in tests/hostile/policy.py")
    mismatches, _ = _check(entry, world, clients, operation.url, api=True, label=str(operation))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("route", PAGE_LIST, ids=lambda p: p.name)
def test_page_answers_as_the_policy_says(route, world, clients):
    entry = PAGES.get(route.name)
    if entry is None:
        pytest.fail(f"no policy row for page {route}: add one to PAGES in tests/hostile/policy.py")
    mismatches, _ = _check(entry, world, clients, route.url, api=False, label=str(route))
    assert not mismatches, "\n".join(mismatches)


def test_the_leak_detector_sees_hidden_records_where_they_are_allowed(world, clients):
    """The marker check can fail: an executive's list shows other units' confidential records, a member's not."""
    executive = clients["executive"][0].get("/api/v1/use-cases/?page_size=500")
    member = clients["program_manager"][0].get("/api/v1/use-cases/?page_size=500")
    assert leaks(world, "program_manager", executive) == ["zz-other_confidential-use_case"]
    assert leaks(world, "program_manager", member) == []


def test_matrix_size_is_reported():
    """operations x principals x object classes: the figure the README quotes."""
    api_cells = sum(_cells(API[op.operation_id]) for op in READS if op.operation_id in API)
    page_cells = sum(_cells(PAGES[p.name]) for p in PAGE_LIST if p.name in PAGES)
    print(f"\nT02 matrix: {len(READS)} API reads + {len(PAGE_LIST)} pages; {api_cells + page_cells} requests")
    assert api_cells + page_cells >= 6 * (len(READS) + len(PAGE_LIST))


def _cells(entry) -> int:
    return sum(len(by_class) for by_class in RULES[entry.rule].values())


@pytest.mark.parametrize(
    ("url", "param", "resource"),
    [
        ("/api/v1/alerts/", "model_version", "model_version"),
        ("/api/v1/metrics/", "model_version", "model_version"),
        ("/api/v1/reviews/", "model_version", "model_version"),
        ("/api/v1/risk-assessments/", "use_case", "use_case"),
        ("/api/v1/alerts/", "rule", "alert_rule"),
    ],
)
def test_filtering_by_a_hidden_record_answers_as_for_one_that_does_not_exist(world, clients, url, param, resource):
    """A filter is no oracle: a hidden id and an unknown id get the same refusal."""
    client = clients["program_manager"][0]
    hidden = client.get(url, {param: world.objects[resource][OTHER_CONFIDENTIAL].pk})
    unknown = client.get(url, {param: 987654321})
    assert hidden.status_code == unknown.status_code == 400
    assert not leaks(world, "program_manager", hidden)
    visible = client.get(url, {param: world.objects[resource]["own"].pk})
    assert visible.status_code == 200 and visible.json()["count"] >= 1
