"""The evidence pack of a version: every section in the ZIP, a manifest of SHA-256 digests, the hash of the ZIP
in the audit trail, verification by the command (and its failure on an edited or unknown pack), scoping."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from compliance import services
from governance import evidence_pack
from governance.digest import content_digest
from lifecycle import services as lifecycle
from portfolio import services as portfolio
from tests.governance.conftest import submit
from tests.governance.helpers import approve_version, person


def pack_url(version):
    return f"/api/v1/governance/versions/{version.pk}/evidence-pack/"


@pytest.fixture
def approved(pending, ds):
    from compliance.models import Control

    version = approve_version(pending)
    control = Control.objects.filter(applies_medium=True).order_by("code").first()
    services.evidence_submit(
        actor=ds,
        control=control,
        use_case=version.model.use_case,
        version=version,
        kind="text",
        text="Holdout validation report, signed off by the validation team.",
        description="Validation protocol",
    )
    return version


def members(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_every_section_with_the_sign_offs(approved, ds, api):
    response = api(ds).get(pack_url(approved))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    files = members(response.content)
    assert set(files) == {
        "README.md",
        "version.json",
        "use_case.json",
        "impact_assessment.json",
        "review_policy.json",
        "reviews_and_sign_offs.json",
        "model_card.json",
        "model_card.md",
        "bias_assessments.json",
        "test_evidence.json",
        "compliance.json",
        "stage_transitions.json",
        "datasets.json",
        "audit_events.json",
        "manifest.json",
    }
    read = {name: json.loads(data) for name, data in files.items() if name.endswith(".json")}
    assert read["version.json"]["digest"] == approved.digest and read["version.json"]["stage"] == "approved"
    assert read["use_case.json"]["title"] == "Fraud scoring"
    assessment = read["impact_assessment.json"]
    assert assessment["status"] == "approved" and assessment["tier"] == "medium" and assessment["reasons"]
    assert assessment["answers"]["personal_data"] == "personal" and assessment["eu_category"]
    assert read["review_policy.json"]["tier"] == "medium"
    assert set(read["review_policy.json"]["required_functions"]) == {"validation", "business"}
    (review,) = read["reviews_and_sign_offs.json"]
    assert review["status"] == "approved" and review["policy_snapshot"]["tier"] == "medium"
    signed = {s["function"]: s for s in review["sign_offs"]}
    assert set(signed) == {"validation", "business"}
    validation = signed["validation"]
    signer = person("signer-validation")
    assert validation["signer_id"] == signer.pk and validation["signer_name"] == signer.get_full_name()
    assert validation["decision"] == "approve" and validation["meaning"].startswith("I approve")
    assert validation["digest"] == content_digest(approved) and validation["digest_matches_version"] is True
    assert validation["policy_version"] == review["policy_snapshot"]["version"] and validation["signed_at"]
    assert "comment" in validation and validation["function_name"]
    assert read["model_card.json"]["completeness"] == 100
    assert files["model_card.md"].decode().startswith("# Model card: fraud-scorer v1")
    (bias,) = read["bias_assessments.json"]
    assert bias["passed"] is True and bias["file_name"] == "fair.csv"
    tests = read["test_evidence.json"]
    required = read["review_policy.json"]["required_test_evidence"]
    assert required and [r["kind"] for r in tests["requirements"]] == required
    assert {r["state"] for r in tests["requirements"]} == {"accepted"}
    accepted = {e["id"]: e for e in tests["evidence"]}
    for requirement in tests["requirements"]:
        row = accepted[requirement["evidence_id"]]
        assert row["kind"] == requirement["kind"] and row["digest_matches_version"] is True
        assert row["submitted_by"]["id"] != row["reviewed_by"]["id"] and row["status"] == "accepted"
    assert "## Required test evidence" in files["README.md"].decode()
    (evidence,) = read["compliance.json"]["evidence"]
    assert evidence["bound_to_version"] == approved.pk and evidence["description"] == "Validation protocol"
    assert evidence["status"] == "submitted" and evidence["control"]["code"]
    assert read["compliance.json"]["coverage"] and all("missing" in c for c in read["compliance.json"]["coverage"])
    moves = [(t["from_stage"], t["to_stage"]) for t in read["stage_transitions.json"]]
    assert moves[-1] == ("pending_approval", "approved")
    assert read["stage_transitions.json"][-1]["gate_results"]
    assert [d["role"] for d in read["datasets.json"]] == ["training"]
    events = read["audit_events.json"]
    kinds = {e["target_type"] for e in events}
    assert {"lifecycle.modelversion", "lifecycle.aimodel", "governance.review"} <= kinds
    assert [e["action"] for e in events].count("review.signed") == 2  # sign-offs are audited on their review
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_the_manifest_lists_every_file_with_its_sha256_and_the_zip_hash_is_audited(approved, ds, api):
    response = api(ds).get(pack_url(approved))
    files = members(response.content)
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["version_id"] == approved.pk
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        name: evidence_pack.sha256(data) for name, data in files.items()
    }
    digest = evidence_pack.sha256(response.content)
    assert response["X-Evidence-Pack-SHA256"] == digest
    event = AuditEvent.objects.filter(action="evidence_pack.exported").get()
    assert event.target_type == "lifecycle.modelversion" and event.target_id == str(approved.pk)
    assert event.changes["sha256"] == [None, digest] and event.actor_name == "ds"


def _export(client, version, tmp_path, name="pack.zip"):
    content = client.get(pack_url(version)).content
    path = tmp_path / name
    path.write_bytes(content)
    return path, content


def test_verification_passes_on_the_real_pack(approved, ds, api, tmp_path):
    path, content = _export(api(ds), approved, tmp_path)
    out = io.StringIO()
    call_command("verify_evidence_pack", str(path), stdout=out)
    text = out.getvalue()
    assert evidence_pack.sha256(content) in text and "ok        reviews_and_sign_offs.json" in text
    assert "recorded  audit event" in text
    assert "14 files match the manifest and the audit trail" in text  # every file but the manifest itself


def test_verification_fails_when_one_byte_of_one_file_changes(approved, ds, api, tmp_path):
    path, content = _export(api(ds), approved, tmp_path)
    files = members(content)
    edited = bytearray(files["reviews_and_sign_offs.json"])
    at = edited.index(b'"approve"') + 1
    edited[at] = ord("A")  # "approve" -> "Approve"
    files["reviews_and_sign_offs.json"] = bytes(edited)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(buffer.getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="does not verify"):
        call_command("verify_evidence_pack", str(tampered), stdout=io.StringIO(), stderr=err)
    assert "reviews_and_sign_offs.json: SHA-256" in err.getvalue()
    assert "no evidence_pack.exported event" in err.getvalue()  # the edited ZIP was never exported either


def test_verification_fails_on_a_pack_the_trail_never_recorded(approved, ds, tmp_path):
    from django.utils import timezone

    pack = evidence_pack.collect(user=ds, version=approved, now=timezone.now().replace(microsecond=0))
    path = tmp_path / "unrecorded.zip"
    path.write_bytes(evidence_pack.zip_bytes(pack))  # intact manifest, but never exported through the service
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence_pack", str(path), stdout=out, stderr=err)
    assert "ok        version.json" in out.getvalue() and "no evidence_pack.exported event" in err.getvalue()


def test_another_units_confidential_version_answers_404_everywhere(units, api, client):
    corp_ds = person("corp-ds", "data_scientist", units=(units["CORP"],))
    pm = person("corp-pm", "program_manager", units=(units["CORP"],))
    use_case = portfolio.use_case_create(
        actor=pm,
        title="Secret pricing",
        business_unit=units["CORP"],
        problem_statement="Price deals.",
        confidential=True,
    )
    model = lifecycle.model_register(actor=corp_ds, name="secret-pricer", use_case=use_case, confidential=True)
    version = lifecycle.model_version_register(actor=corp_ds, model=model, version="1")
    retail_ds = person("ds", "data_scientist", units=(units["RETAIL"],))
    assert api(retail_ds).get(pack_url(version)).status_code == 404
    client.force_login(retail_ds)
    assert client.get(f"/governance/versions/{version.pk}/evidence-pack.zip").status_code == 404
    assert client.get(f"/governance/versions/{version.pk}/evidence-pack/").status_code == 404
    assert not AuditEvent.objects.filter(action="evidence_pack.exported").exists()
    executive = person("exec", "executive")
    assert api(executive).get(pack_url(version)).status_code == 200


def test_the_pages_offer_the_download_and_print_every_section(approved, ds, client):
    client.force_login(ds)
    card = client.get(f"/governance/versions/{approved.pk}/card/").content.decode()
    assert f"/governance/versions/{approved.pk}/evidence-pack.zip" in card
    download = client.get(f"/governance/versions/{approved.pk}/evidence-pack.zip")
    assert download["Content-Type"] == "application/zip"
    digest = download["X-Evidence-Pack-SHA256"]
    assert digest == evidence_pack.sha256(download.content)
    card = client.get(f"/governance/versions/{approved.pk}/card/").content.decode()
    assert digest in card  # the flash message and the list of exports show the hash
    page = client.get(f"/governance/versions/{approved.pk}/evidence-pack/").content.decode()
    sections = ("version", "use-case", "assessment", "policy", "reviews", "model-card", "bias", "compliance")
    for section in (*sections, "transitions", "datasets", "audit", "exports"):
        assert f'data-testid="pack-{section}"' in page
    assert "<nav" not in page and page.count('data-testid="pack-sign-off"') == 2
    assert person("signer-validation").get_full_name() in page
    assert digest in page


def test_the_export_reads_a_bounded_number_of_queries(pending, ds, api, model, django_assert_max_num_queries):
    approve_version(pending)
    for number in ("2", "3"):
        submit(ds, model, number)
    client = api(ds)
    client.get(pack_url(pending))  # warm the content types and the policy cache
    with django_assert_max_num_queries(30):
        assert client.get(pack_url(pending)).status_code == 200
