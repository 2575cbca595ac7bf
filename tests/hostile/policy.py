"""Who may do what: the declared policy every hostile test compares the running application with.

Reviewed like code. Each API operation (by operationId) and each page (by URL name) has exactly one row; an
operation or page without a row fails tests/hostile/test_read_matrix.py with a message naming the row to add.

Principals hold one role each and are members of one business unit (RETAIL). Object classes:
  own / other                         a record of the principal's unit / of another unit (CORP);
  own_confidential / other_confidential  the same, marked confidential, with no object grant.
Rules (core/permissions.py): any signed-in user reads records that are not confidential; confidential records
are visible to members of their unit and to the see-all roles (executive, platform admin) only. What a user may
not see answers 404, as if it did not exist.
"""

from dataclasses import dataclass

PRINCIPALS = ("anonymous", "program_manager", "data_scientist", "review_board", "executive", "platform_admin")
OWN, OTHER, OWN_CONFIDENTIAL, OTHER_CONFIDENTIAL = "own", "other", "own_confidential", "other_confidential"
CLASSES = (OWN, OTHER, OWN_CONFIDENTIAL, OTHER_CONFIDENTIAL)
ANY = "any"  # a record outside business-unit scope (a skill, a wave), or no record at all

# The expected answer for anonymous callers: API 401 or 403; pages redirect to the login page.
LOGIN = "login"


def _row(anonymous, pm, ds, rb, ex, adm):
    return dict(zip(PRINCIPALS, (anonymous, pm, ds, rb, ex, adm), strict=True))


# Expected outcome per principal and object class. Written out, not computed from the code under test.
RULES: dict[str, dict[str, dict[str, object]]] = {
    # Records that can be confidential (use cases and everything hanging from them: models, versions...).
    "scoped": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN, OWN_CONFIDENTIAL: LOGIN, OTHER_CONFIDENTIAL: LOGIN},
        pm={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 404},
        ds={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 404},
        rb={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 404},
        ex={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 200},
        adm={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 200},
    ),
    # Records of a unit that are never confidential (objectives, KPIs, assumptions, agreements, units).
    "unit": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN},
        pm={OWN: 200, OTHER: 200},
        ds={OWN: 200, OTHER: 200},
        rb={OWN: 200, OTHER: 200},
        ex={OWN: 200, OTHER: 200},
        adm={OWN: 200, OTHER: 200},
    ),
    # Anything a signed-in user reads (lists filter themselves; the leak check looks inside).
    "signed_in": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 200}, {ANY: 200}, {ANY: 200}, {ANY: 200}),
    # The audit trail: audit.view_auditevent (executives, platform admins).
    "auditors": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 200}, {ANY: 200}),
    # Legal holds and purge runs: audit.view_legalhold / view_purgerun (platform admins, compliance signers).
    "hold_keepers": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 200}),
    # No sign-in needed.
    "public": _row({ANY: 200}, {ANY: 200}, {ANY: 200}, {ANY: 200}, {ANY: 200}, {ANY: 200}),
    # The login page sends a signed-in user on (redirect_authenticated_user).
    "login_page": _row({ANY: 200}, {ANY: 302}, {ANY: 302}, {ANY: 302}, {ANY: 302}, {ANY: 302}),
    # Django's LogoutView takes POST only; a GET changes nothing for anyone, signed in or not.
    "logout": _row({ANY: 405}, {ANY: 405}, {ANY: 405}, {ANY: 405}, {ANY: 405}, {ANY: 405}),
    # A personal feed reached by its secret token (calendar apps cannot sign in): a wrong token is a 404 to all.
    "secret_link": _row({ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    # Signed-in users are sent to their landing page.
    "redirect": _row({ANY: LOGIN}, {ANY: 302}, {ANY: 302}, {ANY: 302}, {ANY: 302}, {ANY: 302}),
    # POST-only pages: a GET is 405 for anyone signed in (anonymous callers go to the login page first).
    "post_only": _row({ANY: LOGIN}, {ANY: 405}, {ANY: 405}, {ANY: 405}, {ANY: 405}, {ANY: 405}),
    "post_only_scoped": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN, OWN_CONFIDENTIAL: LOGIN, OTHER_CONFIDENTIAL: LOGIN},
        pm={OWN: 405, OTHER: 405, OWN_CONFIDENTIAL: 405, OTHER_CONFIDENTIAL: 405},
        ds={OWN: 405, OTHER: 405, OWN_CONFIDENTIAL: 405, OTHER_CONFIDENTIAL: 405},
        rb={OWN: 405, OTHER: 405, OWN_CONFIDENTIAL: 405, OTHER_CONFIDENTIAL: 405},
        ex={OWN: 405, OTHER: 405, OWN_CONFIDENTIAL: 405, OTHER_CONFIDENTIAL: 405},
        adm={OWN: 405, OTHER: 405, OWN_CONFIDENTIAL: 405, OTHER_CONFIDENTIAL: 405},
    ),
    # Pages behind a model permission answer 404 to others (portfolio.views.PermissionOr404Mixin).
    "add_usecase_page": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    "add_objective_page": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    "add_kpi_page": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN},
        pm={OWN: 200, OTHER: 403},
        ds={OWN: 404, OTHER: 404},
        rb={OWN: 404, OTHER: 404},
        ex={OWN: 404, OTHER: 404},
        adm={OWN: 404, OTHER: 404},
    ),
    # Editing a use case: the program manager of its unit; others see 403, hidden records 404.
    "edit_usecase_page": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN, OWN_CONFIDENTIAL: LOGIN, OTHER_CONFIDENTIAL: LOGIN},
        pm={OWN: 200, OTHER: 403, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 404},
        ds={OWN: 403, OTHER: 403, OWN_CONFIDENTIAL: 403, OTHER_CONFIDENTIAL: 404},
        rb={OWN: 403, OTHER: 403, OWN_CONFIDENTIAL: 403, OTHER_CONFIDENTIAL: 404},
        ex={OWN: 403, OTHER: 403, OWN_CONFIDENTIAL: 403, OTHER_CONFIDENTIAL: 403},
        adm={OWN: 403, OTHER: 403, OWN_CONFIDENTIAL: 403, OTHER_CONFIDENTIAL: 403},
    ),
    # Role landing pages: the dashboard's permission, else 403.
    "dashboard_executive": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 200}, {ANY: 403}),
    "dashboard_program": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 403}),
    "dashboard_review_board": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 403}, {ANY: 200}, {ANY: 403}, {ANY: 403}),
    "dashboard_data_science": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 200}, {ANY: 403}, {ANY: 403}, {ANY: 403}),
    "dashboard_administration": _row({ANY: LOGIN}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 403}, {ANY: 200}),
    # Framework imports: compliance.import_framework (platform admins); others see 404.
    "import_framework_page": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # Platform administration (training records, new policy versions): to others these do not exist.
    "admins_only": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # Alert rule pages: creating needs monitoring.add_alertrule (data scientists, platform admins).
    "add_alert_rule_page": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 200}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # Editing a rule needs monitoring.change_alertrule (platform admins) and sight of the rule.
    "edit_alert_rule_page": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN, OWN_CONFIDENTIAL: LOGIN, OTHER_CONFIDENTIAL: LOGIN},
        pm={OWN: 404, OTHER: 404, OWN_CONFIDENTIAL: 404, OTHER_CONFIDENTIAL: 404},
        ds={OWN: 404, OTHER: 404, OWN_CONFIDENTIAL: 404, OTHER_CONFIDENTIAL: 404},
        rb={OWN: 404, OTHER: 404, OWN_CONFIDENTIAL: 404, OTHER_CONFIDENTIAL: 404},
        ex={OWN: 404, OTHER: 404, OWN_CONFIDENTIAL: 404, OTHER_CONFIDENTIAL: 404},
        adm={OWN: 200, OTHER: 200, OWN_CONFIDENTIAL: 200, OTHER_CONFIDENTIAL: 200},
    ),
    # Outgoing webhooks: monitoring.manage_webhook (platform admins); to others the page does not exist.
    "webhooks_page": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # Every user's API tokens: core.manage_apitokens (platform admins); to others the page does not exist.
    "token_admins_page": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # The identity provider's addresses (sign-in, its answers) do not exist while single sign-on is off, as here;
    # tests/sso/ drives them against a real provider.
    "sso_off_page": _row({ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    "sso_off_signed_in_page": _row({ANY: LOGIN}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    # Editing teams: portfolio.change_team (program managers, platform admins); to others the page does not exist.
    "team_editors": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 200}),
    # Editing waves: portfolio.change_wave (program managers).
    "wave_editors": _row({ANY: LOGIN}, {ANY: 200}, {ANY: 404}, {ANY: 404}, {ANY: 404}, {ANY: 404}),
    # Editing an agreement: a program manager of its consuming unit; another unit's gets 403 (it is visible).
    "edit_agreement_page": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN},
        pm={OWN: 200, OTHER: 403},
        ds={OWN: 404, OTHER: 404},
        rb={OWN: 404, OTHER: 404},
        ex={OWN: 404, OTHER: 404},
        adm={OWN: 404, OTHER: 404},
    ),
    # A business unit's page with its members: portfolio.change_businessunit (platform admins), any unit.
    "unit_admins": _row(
        anonymous={OWN: LOGIN, OTHER: LOGIN},
        pm={OWN: 404, OTHER: 404},
        ds={OWN: 404, OTHER: 404},
        rb={OWN: 404, OTHER: 404},
        ex={OWN: 404, OTHER: 404},
        adm={OWN: 200, OTHER: 200},
    ),
}


@dataclass(frozen=True)
class Read:
    """A GET: `rule` from RULES; `resource` is the record that fills the URL's id (one per object class of
    the rule); `lists` names the resource a list returns (visible records must be in it, hidden ones not)."""

    rule: str
    resource: str | None = None
    lists: str | None = None
    query: str = ""


@dataclass(frozen=True)
class Write:
    """An unsafe operation (POST/PUT/PATCH/DELETE).

    `resource`: the record its URL addresses; `parent`: for a create, the scoped record its body points at (the
    business unit, use case, model...); `actor`: the principal who does it legitimately on their own unit;
    `refused`/`refused_hidden`: the answers that count as a refusal on another unit's record / on a record the
    actor may not see; `settable`: the PROTECTED_FIELDS this operation takes as input on purpose (its service
    checks them); any other protected field sent to it must be ignored or refused (T04). `cross_unit`: None
    when acting on another unit's record (or creating under it) must be refused (T03); else why it is allowed.
    CSRF (T06) covers every unsafe operation without a row option."""

    resource: str | None = None
    parent: str | None = None
    actor: str = "program_manager"
    settable: tuple[str, ...] = ()
    cross_unit: str | None = None
    # Protected fields the request schema lists but the service refuses (400): sent with hostile values too.
    rejected: tuple[str, ...] = ()
    # Protected fields the operation exists to change (retiring sets `status` to retired): a hostile value
    # equal to the legitimate result proves nothing, so these are sent but not counted as landed.
    sets: tuple[str, ...] = ()
    refused: tuple[int, ...] = (403, 404)
    # Naming a record the actor may not see (other unit, confidential) must look like naming none: 404.
    refused_hidden: tuple[int, ...] = (404,)


# Imports answer with a per-row report: a row in another unit is refused in words, and nothing is applied.
IMPORT_REFUSAL = (400,)
# Fields that decide workflow, scope, ownership or privilege. A request schema may take one only when the
# operation's row lists it in `settable`; every other one is sent by T04 with a hostile value.
PROTECTED_FIELDS = (
    "stage",
    "status",
    "risk_tier",
    "business_unit",
    "owner",
    "owners",
    "digest",
    "submitted_by",
    "created_by",
    "deployed_by",
    "registered_by",
    "signer",
    "signed_by",
    "approved",
    "approved_by",
    "approved_at",
    "is_staff",
    "is_superuser",
    "confidential",
    "number",
    "use_case",
    "model",
    "version",
    "objective",
    "consumer",
    "provider",
    "person",
    "steward",
    "opened_by",
    "requested_by",
    "actor",
    "user",
    "groups",
)


R = Read
W = Write

# --- API operations (drf-spectacular operationId) -------------------------------------------------------
API: dict[str, Read | Write] = {
    "agreements_list": R("signed_in", lists="agreement"),
    "alert_rules_list": R("signed_in", lists="alert_rule"),
    # A rule names the model, unit or tier it watches; only the unit's members (or admins) set one on it.
    "alert_rules_create": W(parent="model", actor="data_scientist", settable=("business_unit", "model", "risk_tier")),
    "alert_rules_retrieve": R("scoped", "alert_rule"),
    "alerts_list": R("signed_in", lists="alert"),
    "alerts_retrieve": R("scoped", "alert"),
    "alerts_acknowledge_create": W("alert", actor="data_scientist"),
    "alerts_resolve_create": W("alert", actor="data_scientist"),
    "alerts_proposal_retrieve": R("scoped", "alert"),
    "alerts_proposal_confirm_create": W("alert", actor="data_scientist"),
    "alerts_proposal_dismiss_create": W("alert", actor="data_scientist"),
    "agreements_create": W(parent="agreement", settable=("consumer", "owner", "provider", "use_case")),
    "agreements_retrieve": R("unit", "agreement"),
    "agreements_status_create": W("agreement", settable=("status",)),
    "assumptions_list": R("signed_in", lists="assumption"),
    "assumptions_create": W(parent="assumption", settable=("business_unit", "objective", "owner", "use_case")),
    "assumptions_retrieve": R("unit", "assumption"),
    "assumptions_review_create": W("assumption", settable=("status",)),
    "audit_events_list": R("auditors"),
    "audit_events_retrieve": R("auditors", "audit_event"),
    "audit_events_verify_retrieve": R("auditors"),
    "legal_holds_list": R("hold_keepers", lists="legal_hold"),
    "legal_holds_retrieve": R("hold_keepers", "legal_hold"),
    "legal_holds_create": W(
        parent="model",
        actor="platform_admin",
        cross_unit="a hold may name any record its placer may see; platform admins see every unit",
    ),
    "legal_holds_release_create": W("legal_hold", actor="platform_admin"),
    "purge_runs_list": R("hold_keepers", lists="purge_run"),
    "purge_runs_retrieve": R("hold_keepers", "purge_run"),
    "auth_token_create": W(actor="anonymous"),
    # Your own tokens (platform admins: everyone's with ?all=true); another holder's token answers 404.
    "auth_tokens_list": R("signed_in"),
    "auth_tokens_destroy": W("api_token"),
    "budgets_list": R("signed_in", lists="budget"),
    "budgets_retrieve": R("scoped", "budget"),
    # A model's budget is set by program managers (and admins) of its unit; the unit follows the model.
    "budgets_create": W(parent="model", settable=("business_unit", "model")),
    "costs_retrieve": R("signed_in"),
    # Both versions by id in the query: the record itself, compared with itself.
    "comparisons_retrieve": R("scoped", "model_version", query="candidate={id}&incumbent={id}&metric=psi"),
    "business_units_list": R("signed_in", lists="business_unit"),
    "business_units_retrieve": R("unit", "business_unit"),
    "capabilities_list": R("signed_in", lists="capability"),
    "capabilities_create": W(),
    "capabilities_retrieve": R("signed_in", "capability"),
    "datasets_list": R("signed_in", lists="dataset"),
    "datasets_create": W(parent="dataset", actor="data_scientist", settable=("business_unit", "steward")),
    "datasets_partial_update": W("dataset", actor="data_scientist", settable=("business_unit", "steward")),
    "datasets_retrieve": R("unit", "dataset"),
    "datasets_lineage_list": R("unit", "dataset"),
    "datasets_privacy_treatment_create": W(
        "dataset", actor="review_board", cross_unit="privacy reviewers treat the data sets of every unit they may see"
    ),
    "datasets_schemas_list": R("unit", "dataset"),
    "datasets_schemas_create": W("dataset", actor="data_scientist"),
    "datasets_import_create": W(parent="business_unit", actor="data_scientist", refused=IMPORT_REFUSAL),
    "decommissions_list": R("signed_in", lists="decommission"),
    "decommissions_create": W(parent="model", actor="data_scientist", settable=("model", "version")),
    "decommissions_retrieve": R("scoped", "decommission"),
    "decommissions_acknowledge_create": W("decommission", actor="data_scientist"),
    "decommissions_announce_create": W("decommission", actor="data_scientist"),
    "decommissions_approve_create": W("decommission", actor="data_scientist"),
    "decommissions_cancel_create": W("decommission", actor="data_scientist"),
    "decommissions_checklist_create": W("decommission", actor="data_scientist"),
    "decommissions_retire_create": W("decommission", actor="data_scientist"),
    # MLflow's webhook: authenticated by its HMAC signature, not by a user; no cookie, so no CSRF to forge.
    "hooks_mlflow_create": W(actor="anonymous"),
    "dependencies_list": R("signed_in"),
    "dependencies_create": W(parent="use_case", settable=("use_case",)),
    "deployments_list": R("signed_in", lists="deployment"),
    "deployments_create": W(parent="model_version", actor="data_scientist", settable=("version",)),
    "deployments_retrieve": R("scoped", "deployment"),
    "bias_assessments_list": R("signed_in", lists="bias_assessment"),
    "bias_assessments_retrieve": R("scoped", "bias_assessment"),
    "findings_list": R("signed_in", lists="finding"),
    # Vendors are enterprise-wide; the models they supply are listed as the caller may see them.
    "technology_evaluations_list": R("signed_in", lists="evaluation"),
    "technology_evaluations_retrieve": R("signed_in", "evaluation"),
    "technology_evaluations_create": W(actor="data_scientist", settable=("owner",)),
    "technology_evaluations_partial_update": W("evaluation", actor="data_scientist", settable=("owner",)),
    "technology_evaluations_decide_create": W("evaluation", actor="review_board"),
    "sandbox_trials_list": R("signed_in", lists="sandbox_trial"),
    "sandbox_trials_retrieve": R("signed_in", "sandbox_trial"),
    "sandbox_trials_create": W(actor="data_scientist"),
    "sandbox_trials_close_create": W("sandbox_trial", actor="data_scientist"),
    "approved_standards_list": R("signed_in", lists="approved_standard"),
    "approved_standards_retrieve": R("signed_in", "approved_standard"),
    "approved_standards_create": W(actor="review_board"),
    "approved_standards_partial_update": W("approved_standard", actor="review_board"),
    "approved_standards_retire_create": W("approved_standard", actor="review_board", sets=("status",)),
    # External audits are run by compliance (the compliance sign-off role, not a matrix principal).
    "external_audits_list": R("signed_in", lists="external_audit"),
    "external_audits_retrieve": R("signed_in", "external_audit"),
    "external_audits_overdue_follow_ups_list": R("signed_in", lists="follow_up"),
    "external_audits_create": W(actor="compliance"),
    "external_audits_partial_update": W("external_audit", actor="compliance"),
    "external_audits_transition_create": W("external_audit", actor="compliance"),
    "audit_findings_list": R("signed_in", lists="audit_finding"),
    "audit_findings_retrieve": R("signed_in", "audit_finding"),
    "audit_findings_create": W(actor="compliance", settable=("owner",)),
    "audit_findings_accept_risk_create": W("audit_finding", actor="compliance"),
    "follow_ups_list": R("signed_in", lists="follow_up"),
    "follow_ups_retrieve": R("signed_in", "follow_up"),
    "follow_ups_create": W(actor="compliance", settable=("owner",)),
    "follow_ups_complete_create": W("follow_up", actor="compliance"),
    "vendors_list": R("signed_in", lists="vendor"),
    "vendors_retrieve": R("signed_in", "vendor"),
    "vendors_create": W(actor="review_board"),
    "vendors_partial_update": W("vendor", actor="review_board"),
    "vendors_link_create": W(
        "vendor",
        parent="model",
        actor="review_board",
        settable=("model",),
        cross_unit="vendor managers link the models of every unit they may see",
    ),
    "vendors_unlink_create": W(
        "vendor",
        parent="model",
        actor="review_board",
        settable=("model",),
        cross_unit="vendor managers unlink the models of every unit they may see",
    ),
    # Concerns are seen like their subject (and by their reporter); anyone who sees a subject raises one, the
    # triage team (review board) triages, resolves and dismisses the concerns of every unit it may see.
    "concerns_list": R("signed_in", lists="concern"),
    "concerns_retrieve": R("scoped", "concern"),
    "concerns_create": W(
        parent="use_case",
        actor="data_scientist",
        settable=("model", "use_case"),
        cross_unit="anyone signed in raises a concern about a use case they can see",
    ),
    "concerns_triage_create": W("concern", actor="review_board", cross_unit="the triage team serves every unit"),
    "concerns_resolve_create": W("concern", actor="review_board", cross_unit="the triage team serves every unit"),
    "concerns_dismiss_create": W("concern", actor="review_board", cross_unit="the triage team serves every unit"),
    # Emergency releases are seen like their version. Only an owner requests (no principal owns a world model, so
    # every class is refused) and cancels or deploys; the emergency function serves every unit it may see; an
    # independent validator completes the post-implementation review.
    "emergency_releases_list": R("signed_in", lists="emergency_release"),
    # Freeze exemptions are seen like their version; whoever may change the model requests one (the world runs no
    # freeze, so a request on the actor's own unit is refused in words); the review board decides for every unit
    # it may see, the requester excepted.
    "freeze_exemptions_list": R("signed_in", lists="freeze_exemption"),
    "freeze_exemptions_retrieve": R("scoped", "freeze_exemption"),
    "freeze_exemptions_create": W(parent="model_version", actor="data_scientist", settable=("version",)),
    "freeze_exemptions_approve_create": W(
        "freeze_exemption", actor="review_board", cross_unit="the review board decides for every unit it may see"
    ),
    "freeze_exemptions_refuse_create": W(
        "freeze_exemption", actor="review_board", cross_unit="the review board decides for every unit it may see"
    ),
    "emergency_releases_retrieve": R("scoped", "emergency_release"),
    "emergency_releases_create": W(parent="model_version", actor="data_scientist", settable=("version",)),
    "emergency_releases_approve_create": W(
        "emergency_release", actor="emergency_approver", cross_unit="the emergency function serves every unit"
    ),
    "emergency_releases_refuse_create": W(
        "emergency_release", actor="emergency_approver", cross_unit="the emergency function serves every unit"
    ),
    "emergency_releases_cancel_create": W("emergency_release", actor="data_scientist"),
    "emergency_releases_deploy_create": W("emergency_release", actor="data_scientist"),
    "post_implementation_reviews_list": R("signed_in", lists="post_implementation_review"),
    "post_implementation_reviews_retrieve": R("scoped", "post_implementation_review"),
    "post_implementation_reviews_complete_create": W(
        "post_implementation_review",
        actor="validator",
        cross_unit="validators are independent of the developing unit",
    ),
    # Compliance: frameworks and controls are reference data; evidence is seen like its use case and version.
    "frameworks_list": R("signed_in"),
    "frameworks_retrieve": R("signed_in", "framework"),
    "controls_list": R("signed_in"),
    "controls_retrieve": R("signed_in", "control"),
    "evidence_list": R("signed_in", lists="evidence"),
    "evidence_retrieve": R("scoped", "evidence"),
    # Evidence is submitted by members of the use case's unit.
    "evidence_create": W(parent="use_case", actor="data_scientist", settable=("use_case",)),
    "evidence_review_create": W(
        "evidence", actor="review_board", cross_unit="compliance reviewers review the evidence of every unit"
    ),
    "use_cases_coverage_retrieve": R("scoped", "use_case"),
    # Required test evidence is seen like its version; its developers submit it, independent validators (and
    # security reviewers) of every unit decide on it.
    "test_evidence_list": R("signed_in", lists="test_evidence"),
    "test_evidence_retrieve": R("scoped", "test_evidence"),
    "test_evidence_create": W(parent="model_version", actor="data_scientist"),
    "test_evidence_review_create": W(
        "test_evidence", actor="validator", cross_unit="validators are independent of the developing unit"
    ),
    "governance_versions_required_test_evidence_list": R("scoped", "model_version"),
    "findings_create": W(
        parent="review", actor="validator", cross_unit="validators are independent of the developing unit"
    ),
    "findings_retrieve": R("scoped", "finding"),
    "findings_close_create": W(
        "finding", actor="validator", cross_unit="validators are independent of the developing unit"
    ),
    "findings_exception_create": W(
        "finding", actor="exception_authority", cross_unit="the exception authority is one for every unit"
    ),
    # Only the model's developers respond; no principal is one, so every class is refused.
    "findings_respond_create": W("finding", actor="data_scientist"),
    "freeze_windows_list": R("signed_in", lists="freeze_window"),
    "freeze_windows_create": W(actor="platform_admin"),
    "freeze_windows_retrieve": R("signed_in", "freeze_window"),
    "kpis_list": R("signed_in", lists="kpi"),
    "kpis_create": W(parent="kpi", settable=("objective",)),
    "kpis_retrieve": R("unit", "kpi"),
    "kpis_update": W("kpi", settable=("objective",)),
    "kpis_partial_update": W("kpi", settable=("objective",)),
    "kpis_measurements_list": R("unit", "kpi"),
    "kpis_measurements_create": W("kpi"),
    "model_versions_list": R("signed_in", lists="model_version"),
    "model_versions_create": W(parent="model", actor="data_scientist", settable=("model", "version")),
    "model_versions_retrieve": R("scoped", "model_version"),
    "model_versions_transition_create": W("model_version", actor="data_scientist"),
    "model_versions_transitions_list": R("scoped", "model_version"),
    "model_versions_import_create": W(actor="data_scientist", settable=("use_case",)),
    "model_versions_datasets_create": W("model_version", actor="data_scientist"),
    "model_versions_acknowledge_break_create": W("model_version", actor="data_scientist"),
    # The schema lists every model field; model_update refuses all but the descriptive ones.
    "metrics_list": R("signed_in", lists="metric_series"),
    "metrics_retrieve": R("scoped", "metric_series"),
    "metrics_points_list": R("scoped", "metric_series"),
    "models_partial_update": W("model", actor="data_scientist", rejected=("confidential", "owners", "use_case")),
    "models_consumers_list": R("scoped", "model"),
    "models_consumers_create": W("model", actor="data_scientist"),
    "models_handover_create": W("model", actor="data_scientist", settable=("owners",)),
    "models_list": R("signed_in", lists="model"),
    "models_create": W(parent="use_case", actor="data_scientist", settable=("confidential", "owners", "use_case")),
    "models_retrieve": R("scoped", "model"),
    "models_production_retrieve": R("scoped", "model", query="at=2026-01-01T00:00:00Z"),
    "models_rollback_create": W("model", actor="data_scientist"),
    "objectives_list": R("signed_in", lists="objective"),
    "objectives_create": W(parent="objective", settable=("business_unit", "owner")),
    "objectives_retrieve": R("unit", "objective"),
    "objectives_update": W("objective", settable=("business_unit", "owner")),
    "objectives_partial_update": W("objective", settable=("business_unit", "owner")),
    "person_skills_list": R("signed_in"),
    "person_skills_create": W(settable=("person",)),
    "governance_versions_model_card_retrieve": R("scoped", "model_version"),
    "governance_versions_model_card_partial_update": W("model_version", actor="data_scientist"),
    "governance_versions_model_card_markdown_retrieve": R("scoped", "model_version"),
    "governance_versions_evidence_pack_retrieve": R("scoped", "model_version"),
    "governance_versions_bias_assessments_list": R("scoped", "model_version"),
    "governance_versions_bias_assessments_create": W("model_version", actor="data_scientist"),
    "portfolio_reviews_list": R("signed_in", lists="portfolio_review"),
    "portfolio_reviews_create": W(),
    "portfolio_reviews_retrieve": R("signed_in", "portfolio_review"),
    "portfolio_reviews_decisions_list": R("signed_in", "portfolio_review"),
    "portfolio_reviews_decisions_create": W("portfolio_review", parent="use_case", settable=("use_case",)),
    "ranking_list": R("signed_in"),
    "review_policies_list": R("signed_in", lists="review_policy"),
    "review_policies_create": W(actor="platform_admin"),
    "review_policies_retrieve": R("signed_in", "review_policy"),
    # Training records are personal: platform admins read and record everyone's, others read their own only.
    "training_records_list": R("signed_in"),
    "training_records_create": W(actor="platform_admin", settable=("user",)),
    "training_records_retrieve": R("admins_only", "training_record"),
    "reviews_list": R("signed_in", lists="review"),
    "reviews_retrieve": R("scoped", "review"),
    "reviews_sign_offs_list": R("scoped", "review"),
    "reviews_sign_offs_create": W(
        "review", actor="validator", cross_unit="sign-off functions are central: they sign every unit's versions"
    ),
    "feedback_list": R("signed_in", lists="feedback"),
    "feedback_create": W(
        parent="model_version", cross_unit="anyone who may see a version gives feedback on its predictions"
    ),
    "feedback_retrieve": R("scoped", "feedback"),
    "outcomes_create": W(parent="model_version", actor="data_scientist"),
    "retraining_requests_list": R("signed_in", lists="retraining_request"),
    # Owners of the model and admins act; the principals own no model, so their own unit's are refused too.
    "retraining_requests_create": W(parent="model", actor="data_scientist", settable=("model",)),
    "retraining_requests_retrieve": R("scoped", "retraining_request"),
    "retraining_requests_start_create": W("retraining_request", actor="data_scientist"),
    "retraining_requests_link_create": W("retraining_request", actor="data_scientist", settable=("version",)),
    "retraining_requests_decline_create": W("retraining_request", actor="data_scientist"),
    "risk_assessments_list": R("signed_in", lists="risk_assessment"),
    "risk_assessments_create": W(parent="use_case", settable=("use_case",)),
    "risk_assessments_retrieve": R("scoped", "risk_assessment"),
    "risk_assessments_questionnaire_retrieve": R("signed_in"),
    "risk_assessments_answer_create": W("risk_assessment"),
    "risk_assessments_submit_create": W("risk_assessment"),
    "risk_assessments_approve_create": W(
        "risk_assessment", actor="review_board", cross_unit="reviewers approve the assessments of every unit"
    ),
    "recommended_plan_list": R("signed_in"),
    "recommended_plan_apply_create": W(),
    "roadmap_items_list": R("signed_in", lists="roadmap_item"),
    "roadmap_items_create": W(parent="use_case", settable=("use_case",)),
    "roadmap_items_retrieve": R("scoped", "roadmap_item"),
    "roadmap_items_conflicts_list": R("signed_in"),
    "scoring_criteria_list": R("signed_in", lists="scoring_criterion"),
    "scoring_criteria_create": W(actor="platform_admin"),
    "scoring_criteria_retrieve": R("signed_in", "scoring_criterion"),
    "scoring_criteria_update": W("scoring_criterion", actor="platform_admin"),
    "scoring_criteria_partial_update": W("scoring_criterion", actor="platform_admin"),
    "skills_list": R("signed_in", lists="skill"),
    "sync_runs_list": R("signed_in", lists="sync_run"),
    "sync_runs_retrieve": R("signed_in", "sync_run"),
    "skills_create": W(),
    "skills_retrieve": R("signed_in", "skill"),
    "teams_list": R("signed_in", lists="team"),
    "teams_create": W(settable=("business_unit",)),
    "teams_retrieve": R("signed_in", "team"),
    "use_cases_list": R("signed_in", lists="use_case"),
    # The "confidential" class only marks the new use case confidential in another unit: no hidden record named.
    "use_cases_create": W(
        parent="use_case", settable=("business_unit", "confidential", "owner"), refused_hidden=(403,)
    ),
    "use_cases_retrieve": R("scoped", "use_case"),
    "use_cases_update": W("use_case", settable=("business_unit", "confidential", "owner")),
    "use_cases_partial_update": W("use_case", settable=("business_unit", "confidential", "owner")),
    "use_cases_benefit_reviews_list": R("scoped", "use_case"),
    "use_cases_benefit_reviews_create": W("use_case"),
    "use_cases_change_actions_list": R("scoped", "use_case"),
    "use_cases_change_actions_create": W("use_case", settable=("owner",)),
    "use_cases_objectives_create": W("use_case", settable=("objective",)),
    "use_cases_raci_list": R("scoped", "use_case"),
    "use_cases_raci_create": W("use_case", settable=("person",)),
    "use_cases_readiness_list": R("scoped", "use_case"),
    "use_cases_readiness_create": W("use_case"),
    "use_cases_scores_list": R("scoped", "use_case"),
    "use_cases_scores_create": W("use_case"),
    "use_cases_skill_needs_list": R("scoped", "use_case"),
    "use_cases_skill_needs_create": W("use_case"),
    "use_cases_stop_loss_retrieve": R("scoped", "use_case"),
    "use_cases_stop_loss_update": W("use_case"),
    "use_cases_transition_create": W("use_case"),
    "use_cases_value_contract_retrieve": R("scoped", "use_case"),
    # The contract of a use case is set by those who may change the use case (its unit's program managers).
    "use_cases_value_contract_update": W("use_case"),
    "use_cases_realised_values_list": R("scoped", "use_case"),
    "use_cases_export_retrieve": R("signed_in"),
    "use_cases_import_create": W(parent="business_unit", refused=IMPORT_REFUSAL),
    "waves_list": R("signed_in", lists="wave"),
    "waves_create": W(),
    "waves_retrieve": R("signed_in", "wave"),
}

# --- Server-rendered pages (URL name); GET is what the matrix reads ---------------------------------------
PAGES: dict[str, Read] = {
    "home": R("redirect"),
    "health": R("public"),
    # The global search: a signed-in page; "zz-" matches every record's marker, so a hidden one would show.
    "search": R("signed_in", query="q=zz-"),
    "login": R("login_page"),
    "logout": R("logout"),
    "password_change": R("signed_in"),
    "api_tokens": R("signed_in"),
    "api_tokens_admin": R("token_admins_page"),
    "api_token_revoke": R("post_only"),
    "identity:mappings": R("admins_only"),
    "identity:sso_login": R("sso_off_page"),
    "identity:sso_callback": R("sso_off_page"),
    "identity:reauth_callback": R("sso_off_signed_in_page"),
    "audit:event_list": R("auditors"),
    "audit:retention": R("hold_keepers"),
    "audit:verify": R("post_only"),
    "notifications:inbox": R("signed_in"),
    "notifications:mark_read": R("post_only"),
    "portfolio:usecase_list": R("signed_in"),
    "portfolio:usecase_create": R("add_usecase_page"),
    "portfolio:usecase_import": R("add_usecase_page"),
    "portfolio:usecase_detail": R("scoped", "use_case"),
    "portfolio:usecase_update": R("edit_usecase_page", "use_case"),
    "portfolio:usecase_transition": R("post_only_scoped", "use_case"),
    "portfolio:usecase_score": R("post_only_scoped", "use_case"),
    "portfolio:usecase_link": R("post_only_scoped", "use_case"),
    "portfolio:usecase_unlink": R("post_only_scoped", "use_case"),
    "portfolio:usecase_raci": R("post_only_scoped", "use_case"),
    "portfolio:usecase_readiness": R("post_only_scoped", "use_case"),
    "portfolio:usecase_change": R("post_only_scoped", "use_case"),
    "portfolio:usecase_stop_loss": R("post_only_scoped", "use_case"),
    "portfolio:usecase_benefit": R("post_only_scoped", "use_case"),
    "portfolio:usecase_skill": R("post_only_scoped", "use_case"),
    "portfolio:usecase_dependency": R("post_only_scoped", "use_case"),
    "portfolio:usecase_unplan": R("post_only_scoped", "use_case"),
    "portfolio:benefits": R("signed_in"),
    "portfolio:skills": R("signed_in"),
    "portfolio:assumption_list": R("signed_in"),
    "portfolio:review_list": R("signed_in"),
    "portfolio:review_detail": R("signed_in", "portfolio_review"),
    "portfolio:ranking": R("signed_in"),
    "portfolio:roadmap": R("signed_in"),
    "portfolio:team_list": R("signed_in"),
    "portfolio:wave_list": R("signed_in"),
    "portfolio:agreement_list": R("signed_in"),
    "portfolio:team_edit": R("team_editors", "team"),
    "portfolio:wave_edit": R("wave_editors", "wave"),
    "portfolio:agreement_edit": R("edit_agreement_page", "agreement"),
    "portfolio:business_unit_list": R("admins_only"),
    "portfolio:business_unit_detail": R("unit_admins", "business_unit"),
    "portfolio:scoring_criteria": R("signed_in"),
    "portfolio:scoring_criterion_edit": R("admins_only", "scoring_criterion"),
    "portfolio:recommendation_apply": R("post_only"),
    "portfolio:objective_list": R("signed_in"),
    "portfolio:objective_create": R("add_objective_page"),
    "portfolio:kpi_create": R("add_kpi_page", "objective"),
    "portfolio:kpi_detail": R("unit", "kpi"),
    "lifecycle:model_list": R("signed_in"),
    "lifecycle:version_list": R("signed_in"),
    "lifecycle:model_detail": R("scoped", "model"),
    "lifecycle:dataset_list": R("signed_in"),
    "lifecycle:dataset_import": R("signed_in"),
    "lifecycle:dataset_detail": R("unit", "dataset"),
    "lifecycle:calendar": R("signed_in"),
    "lifecycle:calendar_feed": R("secret_link"),
    "lifecycle:calendar_feed_rotate": R("post_only"),
    "lifecycle:register": R("signed_in"),
    "lifecycle:proposal_list": R("signed_in"),
    "lifecycle:proposal_decide": R("post_only"),
    "lifecycle:handover": R("scoped", "model"),
    "lifecycle:decommission_create": R("scoped", "model"),
    "lifecycle:decommission_list": R("signed_in"),
    "lifecycle:decommission_detail": R("scoped", "decommission"),
    "lifecycle:lessons": R("signed_in"),
    "lifecycle:incident_list": R("signed_in"),
    "lifecycle:version_transition": R("post_only_scoped", "model_version"),
    "lifecycle:version_detail": R("scoped", "model_version"),
    "lifecycle:version_data": R("scoped", "model_version"),
    "lifecycle:deployment_record": R("scoped", "model_version"),
    "lifecycle:dataset_edit": R("unit", "dataset"),
    "lifecycle:model_people": R("scoped", "model"),
    "governance:review_queue": R("signed_in"),
    "governance:review_detail": R("scoped", "review"),
    "governance:assessment": R("scoped", "use_case"),
    "compliance:use_case_coverage": R("scoped", "use_case"),
    "compliance:compliance": R("signed_in"),
    "compliance:framework_detail": R("signed_in", "framework"),
    "compliance:framework_import": R("import_framework_page"),
    "compliance:evidence_list": R("signed_in"),
    "governance:concern_list": R("signed_in"),
    "sourcing:vendor_list": R("signed_in"),
    "sourcing:vendor_detail": R("signed_in", "vendor"),
    "sourcing:evaluation_list": R("signed_in"),
    "sourcing:evaluation_detail": R("signed_in", "evaluation"),
    "sourcing:standard_list": R("signed_in"),
    "sourcing:standard_detail": R("signed_in", "approved_standard"),
    "compliance:external_audit_list": R("signed_in"),
    "compliance:external_audit_detail": R("signed_in", "external_audit"),
    "governance:concern_detail": R("scoped", "concern"),
    "governance:concern_raise_use_case": R("scoped", "use_case"),
    "governance:concern_raise_model": R("scoped", "model"),
    "governance:emergency_request": R("scoped", "model_version"),
    "governance:emergency_release_detail": R("scoped", "emergency_release"),
    "governance:freeze_exemption_request": R("scoped", "model_version"),
    "governance:freeze_exemption_detail": R("scoped", "freeze_exemption"),
    "governance:pir_detail": R("scoped", "post_implementation_review"),
    "compliance:evidence_review": R("post_only_scoped", "evidence"),
    "compliance:evidence_file": R("scoped", "evidence"),
    "governance:model_card": R("scoped", "model_version"),
    "governance:model_card_edit": R("scoped", "model_version"),
    "governance:model_card_print": R("scoped", "model_version"),
    "governance:model_card_markdown": R("scoped", "model_version"),
    "governance:evidence_pack": R("scoped", "model_version"),
    "governance:evidence_pack_zip": R("scoped", "model_version"),
    "governance:bias_assessments": R("scoped", "model_version"),
    "governance:test_evidence": R("scoped", "model_version"),
    "governance:test_evidence_review": R("post_only_scoped", "test_evidence"),
    "governance:bias_assessment_detail": R("scoped", "bias_assessment"),
    "governance:training_records": R("admins_only"),
    "governance:training_import": R("admins_only"),
    "governance:review_policies": R("signed_in"),
    "governance:review_policy_create": R("admins_only", "review_policy"),
    "governance:freeze_windows": R("signed_in"),
    "governance:freeze_window_end": R("post_only"),
    "monitoring:sync_run_list": R("signed_in"),
    "monitoring:alert_list": R("signed_in"),
    "monitoring:alert_detail": R("scoped", "alert"),
    "monitoring:alert_rule_list": R("signed_in"),
    "monitoring:alert_rule_create": R("add_alert_rule_page"),
    "monitoring:alert_rule_edit": R("edit_alert_rule_page", "alert_rule"),
    "monitoring:alert_rule_active": R("post_only_scoped", "alert_rule"),
    "monitoring:alert_acknowledge": R("post_only_scoped", "alert"),
    "monitoring:alert_resolve": R("post_only_scoped", "alert"),
    "monitoring:proposal_confirm": R("post_only_scoped", "alert"),
    "monitoring:proposal_dismiss": R("post_only_scoped", "alert"),
    "monitoring:version_metrics": R("scoped", "model_version"),
    "monitoring:compare": R("scoped", "model_version"),
    "monitoring:feedback_give": R("post_only_scoped", "model_version"),
    "monitoring:cost": R("signed_in"),
    "monitoring:budget_set": R("post_only"),
    "monitoring:unit_economics_csv": R("signed_in"),
    "monitoring:value_contract_set": R("post_only_scoped", "use_case"),
    "monitoring:health_list": R("signed_in"),
    "monitoring:webhook_list": R("webhooks_page"),
    "monitoring:exchange_rates": R("signed_in"),
    "governance:review_list": R("signed_in"),
    "monitoring:retraining_list": R("signed_in"),
    "monitoring:retraining_open": R("post_only"),
    "monitoring:retraining_schedule": R("post_only"),
    "monitoring:retraining_start": R("post_only_scoped", "retraining_request"),
    "monitoring:retraining_link": R("post_only_scoped", "retraining_request"),
    "monitoring:retraining_decline": R("post_only_scoped", "retraining_request"),
    "dashboards:executive": R("dashboard_executive"),
    "dashboards:executive_print": R("dashboard_executive"),
    "dashboards:program": R("dashboard_program"),
    "dashboards:review_board": R("dashboard_review_board"),
    "dashboards:data_science": R("dashboard_data_science"),
    "dashboards:administration": R("dashboard_administration"),
}

# Routes outside the page matrix, each with the reason and where it is tested instead.
EXCLUDED_ROUTES: dict[str, str] = {
    "admin/": "Django admin: staff only, its own permission checks (tests/portfolio/test_admin.py)",
    "api/v1/": "the REST API: enumerated from the OpenAPI schema instead (API above)",
    "api/schema/": "the OpenAPI description: public by design, it describes operations, holds no records",
    "api/docs/": "Swagger UI over the schema: public by design, no records",
}
