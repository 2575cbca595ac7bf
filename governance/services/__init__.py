"""Every governance write: permission checked, validated, saved and audited in one transaction."""

from governance.services.assessments import (
    current_questionnaire,
    risk_assessment_answer,
    risk_assessment_approve,
    risk_assessment_create,
    risk_assessment_submit,
)
from governance.services.cards import bias_assessment_create, model_card_save, policy_for_version
from governance.services.compliance import (
    evidence_expiring,
    evidence_review,
    evidence_stale_for_new_version,
    evidence_submit,
)
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
from governance.services.framework_import import (
    framework_diff,
    framework_document_parse,
    framework_document_validate,
    framework_import,
)
from governance.services.policies import FLOORS, current_policy, review_policy_update
from governance.services.required_evidence import test_evidence_review, test_evidence_submit
from governance.services.reviews import (
    current_sign_offs,
    has_current_training,
    review_open,
    reviews_supersede_for_new_version,
    sign_off_record,
    signature_meaning,
    training_record_add,
)
from governance.services.vendors import vendor_create, vendor_model_link, vendor_update

__all__ = [
    "FLOORS",
    "ExportedPack",
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
    "evidence_expiring",
    "evidence_pack_export",
    "evidence_review",
    "evidence_stale_for_new_version",
    "evidence_submit",
    "finding_close",
    "finding_exception_grant",
    "finding_raise",
    "finding_respond",
    "framework_diff",
    "framework_document_parse",
    "framework_document_validate",
    "framework_import",
    "has_current_training",
    "model_card_save",
    "policy_for_version",
    "post_implementation_review_complete",
    "post_implementation_reviews_escalate_overdue",
    "response_deadline",
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
    "training_record_add",
    "vendor_create",
    "vendor_model_link",
    "vendor_update",
]
