"""Every governance write: permission checked, validated, saved and audited in one transaction."""

from governance.services.assessments import (
    current_questionnaire,
    risk_assessment_answer,
    risk_assessment_approve,
    risk_assessment_create,
    risk_assessment_submit,
)
from governance.services.audits import (
    audit_finding_accept_risk,
    audit_finding_add,
    external_audit_create,
    external_audit_transition,
    external_audit_update,
    follow_up_add,
    follow_up_complete,
    unsettled_findings,
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
from governance.services.evaluations import (
    evaluation_create,
    evaluation_decide,
    evaluation_update,
    standard_approve,
    standard_retire,
    standard_update,
    trial_close,
    trial_start,
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
    "audit_finding_accept_risk",
    "audit_finding_add",
    "bias_assessment_create",
    "concern_dismiss",
    "concern_raise",
    "concern_resolve",
    "concern_triage",
    "concerns_escalate_overdue",
    "current_policy",
    "current_questionnaire",
    "current_sign_offs",
    "evaluation_create",
    "evaluation_decide",
    "evaluation_update",
    "evidence_expiring",
    "evidence_pack_export",
    "evidence_review",
    "evidence_stale_for_new_version",
    "evidence_submit",
    "external_audit_create",
    "external_audit_transition",
    "external_audit_update",
    "finding_close",
    "finding_exception_grant",
    "finding_raise",
    "finding_respond",
    "follow_up_add",
    "follow_up_complete",
    "framework_diff",
    "framework_document_parse",
    "framework_document_validate",
    "framework_import",
    "has_current_training",
    "model_card_save",
    "policy_for_version",
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
    "standard_approve",
    "standard_retire",
    "standard_update",
    "training_record_add",
    "trial_close",
    "trial_start",
    "unsettled_findings",
    "vendor_create",
    "vendor_model_link",
    "vendor_update",
]
