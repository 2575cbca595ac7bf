"""Frameworks are data: validated imports with errors naming the bad field, a diff, and an audited apply."""

import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from compliance import services
from compliance.models import ControlRequirement, Framework, Requirement
from core.exceptions import ApplicationError, NotAllowed
from tests.governance.helpers import person

REVISION_2 = """
code: sr-11-7
name: SR 11-7
revision: "2026 update"
summary: US supervisory guidance on model risk management.
requirements:
  - reference: III
    title: Model development, implementation and use
    summary: Sound design, data and testing, with documented limitations.
  - reference: V
    title: Model validation
    summary: Independent validation of conceptual soundness, monitoring and outcomes.
    controls: [CTL-05]
  - reference: VII
    title: Third-party models
    summary: Vendor models are validated like our own.
    controls: [CTL-05, CTL-11]
"""


@pytest.fixture
def admin(db):
    return person("admin", "platform_admin")


def _import(admin, text, *, apply=False, filename="framework.yaml"):
    document = services.framework_document_parse(text.encode(), filename=filename)
    return services.framework_import(actor=admin, document=document, apply=apply)


def test_a_new_revision_is_previewed_as_a_diff_and_writes_nothing(admin):
    diff = _import(admin, REVISION_2)
    assert diff.framework_changes == {"revision": ["Federal Reserve / OCC 2011", "2026 update"]}
    assert [row["reference"] for row in diff.added] == ["VII"]
    assert [row["reference"] for row in diff.removed] == ["VI"]
    assert diff.changed == [
        {
            "reference": "III",
            "changes": {"title": ["Model development and use", "Model development, implementation and use"]},
        },
        {
            "reference": "V",
            "changes": {
                "summary": [
                    "Independent validation: conceptual soundness, monitoring, outcomes.",
                    "Independent validation of conceptual soundness, monitoring and outcomes.",
                ],
                "controls": [["CTL-05", "CTL-09"], ["CTL-05"]],
            },
        },
    ]
    assert Framework.objects.get(code="sr-11-7").revision == "Federal Reserve / OCC 2011"
    assert not Requirement.objects.filter(reference="VII").exists()


def test_applying_a_revision_keeps_removed_requirements_as_withdrawn_and_is_audited(admin):
    _import(admin, REVISION_2, apply=True)
    framework = Framework.objects.get(code="sr-11-7")
    assert framework.revision == "2026 update"
    live = dict(framework.requirements.filter(withdrawn=False).values_list("reference", "title"))
    assert live["III"] == "Model development, implementation and use" and "VII" in live
    assert framework.requirements.get(reference="VI").withdrawn
    mapped = ControlRequirement.objects.filter(requirement__framework=framework, requirement__reference="V")
    assert sorted(mapped.values_list("control__code", flat=True)) == ["CTL-05"]
    event = AuditEvent.objects.get(action="framework.imported")
    assert event.actor == admin
    assert _import(admin, REVISION_2).empty  # the same file again changes nothing


def test_a_new_framework_in_json(admin):
    document = {
        "code": "dora",
        "name": "DORA",
        "revision": "Regulation (EU) 2022/2554",
        "summary": "Digital operational resilience for financial entities.",
        "requirements": [{"reference": "Art. 6", "title": "ICT risk framework", "controls": ["CTL-08"]}],
    }
    diff = _import(admin, json.dumps(document), apply=True, filename="dora.json")
    assert diff.new_framework
    assert Framework.objects.get(code="dora").requirements.get().controls.get().code == "CTL-08"


def test_a_changed_framework_needs_a_new_revision(admin):
    text = REVISION_2.replace('revision: "2026 update"', "revision: Federal Reserve / OCC 2011")
    with pytest.raises(ApplicationError, match="revision"):
        _import(admin, text, apply=True)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("name"), "name"),
        (lambda d: d["requirements"][1].pop("reference"), "requirements[1].reference"),
        (lambda d: d["requirements"][2].update(controls=["CTL-99"]), "requirements[2].controls"),
        (lambda d: d["requirements"][0].update(title=["not", "text"]), "requirements[0].title"),
        (lambda d: d["requirements"][2].update(reference="III"), "requirements[2].reference"),
        (lambda d: d["requirements"][0].update(colour="red"), "requirements[0].colour"),
        (lambda d: d.update(code="sr 11/7"), "code"),
        (lambda d: d.update(requirements=[]), "requirements"),
    ],
)
def test_validation_errors_name_the_path_of_the_bad_field(admin, mutate, path):
    document = yaml.safe_load(REVISION_2)
    mutate(document)
    with pytest.raises(ApplicationError) as refused:
        services.framework_import(actor=admin, document=document, apply=True)
    assert path in refused.value.details
    assert path in refused.value.message
    assert Framework.objects.get(code="sr-11-7").revision == "Federal Reserve / OCC 2011"


def test_broken_yaml_and_non_admins_are_refused(admin, units):
    with pytest.raises(ApplicationError, match="not valid YAML"):
        _import(admin, "code: [unclosed")
    with pytest.raises(ApplicationError, match="not valid JSON"):
        _import(admin, "{", filename="x.json")
    with pytest.raises(NotAllowed):
        _import(person("ds", "data_scientist", units=(units["RETAIL"],)), REVISION_2)


def test_the_command_previews_then_applies(admin, tmp_path, capsys):
    file = tmp_path / "sr-11-7.yaml"
    file.write_text(REVISION_2)
    call_command("import_framework", str(file), "--actor", "admin")
    out = capsys.readouterr().out
    assert "+ VII Third-party models" in out and "- VI Governance" in out and "Dry run" in out
    assert not Requirement.objects.filter(reference="VII").exists()
    call_command("import_framework", str(file), "--apply", "--actor", "admin")
    assert Requirement.objects.filter(reference="VII").exists()
    file.write_text("code: x\nrequirements: [{title: no reference}]\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_framework", str(file), "--actor", "admin")
    assert "requirements[0].reference" in str(refused.value)
