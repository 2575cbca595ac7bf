"""Every governance write: permission checked, validated, saved and audited in one transaction."""

from governance.services.assessments import (
    current_questionnaire,
    risk_assessment_answer,
    risk_assessment_approve,
    risk_assessment_create,
    risk_assessment_submit,
)
from governance.services.cards import bias_assessment_create, model_card_save, policy_for_version
from governance.services.concerns import (
    concern_dismiss,
    concern_raise,
    concern_resolve,
    concern_triage,
    concerns_escalate_overdue,
    response_deadline,
)
from governance.services.emergency import (
    emergency_release_approve,
    emergency_release_cancel,
    emergency_release_deploy,
    emergency_release_refuse,
    emergency_release_request,
    post_implementation_review_complete,
    post_implementation_reviews_escalate_overdue,
)
from governance.services.evidence_pack import ExportedPack, evidence_pack_export
from governance.services.findings import finding_close, finding_exception_grant, finding_raise, finding_respond
from governance.services.freeze_exemptions import (
    freeze_exemption_approve,
    freeze_exemption_refuse,
    freeze_exemption_request,
)
from governance.services.policies import FLOORS, current_policy, review_policy_update
from governance.services.required_evidence import test_evidence_review, test_evidence_submit
from governance.services.reviews import (
    current_sign_offs,
    has_current_training,
    review_deployed,
    review_etag,
    review_open,
    reviews_supersede_for_new_version,
    sign_off_record,
    signature_meaning,
    validator_conflict,
)
from governance.services.training import (
    ImportReport,
    training_expiry_remind,
    training_import_check,
    training_record_add,
    training_records_import,
)

__all__ = [
    "FLOORS",
    "ExportedPack",
    "ImportReport",
    "bias_assessment_create",
    "concern_dismiss",
    "concern_raise",
    "concern_resolve",
    "concern_triage",
    "concerns_escalate_overdue",
    "current_policy",
    "current_questionnaire",
    "current_sign_offs",
    "emergency_release_approve",
    "emergency_release_cancel",
    "emergency_release_deploy",
    "emergency_release_refuse",
    "emergency_release_request",
    "evidence_pack_export",
    "finding_close",
    "finding_exception_grant",
    "finding_raise",
    "finding_respond",
    "freeze_exemption_approve",
    "freeze_exemption_refuse",
    "freeze_exemption_request",
    "has_current_training",
    "model_card_save",
    "policy_for_version",
    "post_implementation_review_complete",
    "post_implementation_reviews_escalate_overdue",
    "response_deadline",
    "review_deployed",
    "review_etag",
    "review_open",
    "review_policy_update",
    "reviews_supersede_for_new_version",
    "risk_assessment_answer",
    "risk_assessment_approve",
    "risk_assessment_create",
    "risk_assessment_submit",
    "sign_off_record",
    "signature_meaning",
    "test_evidence_review",
    "test_evidence_submit",
    "training_expiry_remind",
    "training_import_check",
    "training_record_add",
    "training_records_import",
    "validator_conflict",
]
