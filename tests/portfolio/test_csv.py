"""CSV export of use cases and KPIs; CSV import with a per-row report and nothing half-imported."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from portfolio import csv_io, services
from portfolio.models import Capability, UseCase

HEADER = "title,business_unit,estimated_value,estimated_cost,sourcing,confidential,capabilities,ea_components\n"


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"], units["OPS"]))


@pytest.fixture
def capability(db):
    return Capability.objects.create(name="Fraud detection")


def test_a_clean_file_imports_every_row(pm, capability):
    text = HEADER + (
        "Fraud scoring,RETAIL,100000,20000,build,no,Fraud detection,APP-1; APP-2\n"
        "Invoice OCR,ops,50000,10000,buy,yes,,\n"
    )
    report = csv_io.use_cases_import(actor=pm, file_text=text)
    assert report.applied and report.imported == 2
    fraud = UseCase.objects.get(title="Fraud scoring")
    assert list(fraud.capabilities.all()) == [capability] and fraud.ea_components == ["APP-1", "APP-2"]
    assert UseCase.objects.get(title="Invoice OCR").confidential is True
    assert AuditEvent.objects.filter(action="use_case.created").count() == 2


def test_one_bad_row_stops_the_file_and_each_problem_is_named(pm):
    text = HEADER + ("Good one,RETAIL,1,1,build,no,,\n,MARS,-5,abc,steal,maybe,Telepathy,\n")
    report = csv_io.use_cases_import(actor=pm, file_text=text)
    assert not report.applied and report.imported == 0
    (bad,) = report.refused
    assert bad.line == 3
    problems = " | ".join(bad.errors)
    for word in (
        "title: required",
        "unknown business unit “MARS”",
        "estimated_value",
        "estimated_cost",
        "sourcing",
        "confidential",
        "unknown Telepathy",
    ):
        assert word in problems
    assert not UseCase.objects.exists()


def test_valid_rows_only_imports_the_good_ones(pm):
    text = HEADER + "Good one,RETAIL,1,1,build,no,,\nBad one,MARS,1,1,build,no,,\n"
    report = csv_io.use_cases_import(actor=pm, file_text=text, valid_rows_only=True)
    assert report.applied and report.imported == 1
    assert list(UseCase.objects.values_list("title", flat=True)) == ["Good one"]


def test_a_row_in_a_unit_the_importer_may_not_write_undoes_the_whole_file(pm):
    text = HEADER + "Mine,RETAIL,1,1,build,no,,\nTheirs,CORP,1,1,build,no,,\n"
    report = csv_io.use_cases_import(actor=pm, file_text=text)
    assert not report.applied and report.imported == 0
    assert "not a member" in report.refused[0].errors[0]
    assert not UseCase.objects.exists()
    assert not AuditEvent.objects.filter(action="use_case.created").exists()


def test_a_file_without_the_required_columns_is_refused(pm):
    with pytest.raises(Exception, match="no business_unit column"):
        csv_io.use_cases_import(actor=pm, file_text="title\nX\n")


def test_export_round_trips_through_import(pm, units, capability):
    services.use_case_create(
        actor=pm,
        title="Round trip",
        business_unit=units["RETAIL"],
        capabilities=[capability],
        ea_components=["APP-9"],
        sourcing="partner",
    )
    exported = csv_io.use_cases_to_csv(UseCase.objects.all())
    UseCase.objects.update(title="Renamed")  # so the re-import is a new row, not a duplicate title
    report = csv_io.use_cases_import(actor=pm, file_text=exported)
    assert report.applied
    again = UseCase.objects.get(title="Round trip")
    assert (again.sourcing, again.ea_components, list(again.capabilities.all())) == ("partner", ["APP-9"], [capability])


def test_the_page_export_holds_only_what_the_user_may_see(client, pm, units, make_user):
    services.use_case_create(actor=pm, title="Open", business_unit=units["RETAIL"])
    services.use_case_create(actor=pm, title="Secret", business_unit=units["RETAIL"], confidential=True)
    client.force_login(make_user("ds", "data_scientist", units=(units["CORP"],)))
    response = client.get(reverse("portfolio:usecase_list") + "?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["title"] for row in rows] == ["Open"]


def test_the_import_page_shows_the_report(client, pm):
    client.force_login(pm)
    upload = SimpleUploadedFile("uc.csv", (HEADER + "X,MARS,1,1,build,no,,\n").encode())
    page = client.post(reverse("portfolio:usecase_import"), {"file": upload}, follow=True).content.decode()
    assert "Nothing was imported" in page and "unknown business unit" in page


def test_the_import_page_refuses_a_non_utf8_file(client, pm):
    client.force_login(pm)
    upload = SimpleUploadedFile("uc.csv", "title,business_unit\nCafé,RETAIL\n".encode("utf-16"))
    page = client.post(reverse("portfolio:usecase_import"), {"file": upload}).content.decode()
    assert "not UTF-8" in page
    assert not UseCase.objects.exists()


def test_the_api_imports_and_exports(pm, api):
    client = api(pm)
    response = client.post(
        "/api/v1/use-cases/import/", {"csv": HEADER + "Via API,RETAIL,1,1,build,no,,\n"}, format="json"
    )
    assert response.status_code == 201 and response.json()["imported"] == 1
    refused = client.post("/api/v1/use-cases/import/", {"csv": HEADER + "Bad,MARS,1,1,build,no,,\n"}, format="json")
    assert refused.status_code == 400 and refused.json()["rows"][0]["errors"]
    exported = client.get("/api/v1/use-cases/export/")
    assert exported["Content-Type"].startswith("text/csv") and "Via API" in exported.content.decode()


def test_kpis_export_to_csv(client, pm, units):
    objective = services.objective_create(actor=pm, title="Faster", business_unit=units["RETAIL"])
    services.kpi_create(
        actor=pm,
        objective=objective,
        name="Days",
        unit="days",
        direction="lower",
        baseline=9,
        baseline_date="2026-01-01",
        target=4,
        target_date="2027-01-01",
    )
    client.force_login(pm)
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("portfolio:objective_list") + "?format=csv").content.decode()))
    )
    assert rows[0]["kpi"] == "Days" and rows[0]["business_unit"] == "RETAIL"
