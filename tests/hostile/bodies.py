"""A valid request body for every unsafe API operation, for a record (or parent) of a given object class.

T03/T04 send these as the operation's legitimate actor: on the actor's own unit they must work, on another
unit they must be refused; hostile protected fields are added on top. A new operation without a body here
fails tests/hostile/test_write_side.py with a message naming the entry to add.
"""

from datetime import date, timedelta

from django.utils import timezone

from .world import PASSWORD

SOON = (date.today() + timedelta(days=20)).isoformat()
LATER = (date.today() + timedelta(days=40)).isoformat()
TODAY = date.today().isoformat()


def unit(w, c):
    return w.objects["business_unit"]["own" if c.startswith("own") or c == "any" else "other"]


def pk(w, resource, c):
    return w.objects[resource][c].pk


def _csv(*rows):
    return "\n".join(",".join(row) for row in rows) + "\n"


BODIES = {
    "agreements_create": lambda w, c, me: {
        "title": f"new agreement {c}",
        "provider": unit(w, "other" if c.startswith("own") else "own").pk,
        "consumer": unit(w, c).pk,
        "owner": me.pk,
        "due_date": LATER,
    },
    "agreements_status_create": lambda w, c, me: {"status": "met", "reason": "delivered"},
    "alert_rules_create": lambda w, c, me: {
        "name": f"new rule {c}",
        "metric": w.objects["alert_rule"]["own"].metric_id,
        "scope_kind": "model",
        "model": pk(w, "model", c),
        "condition": "above",
        "threshold": 0.3,
        "action": "suspend",
    },
    "budgets_create": lambda w, c, me: {
        "model": pk(w, "model", c),
        "monthly_amount": "120.00",
        "valid_from": TODAY,
        "note": f"new budget {c}",
    },
    "alerts_acknowledge_create": lambda w, c, me: {"note": "looking"},
    "feedback_create": lambda w, c, me: {
        "model_version": pk(w, "model_version", c),
        "prediction_id": f"tx-{c}",
        "rating": 2,
        "comment": "flagged a loyal customer",
    },
    "outcomes_create": lambda w, c, me: {
        "model_version": pk(w, "model_version", c),
        "items": [{"prediction_id": f"tx-{c}", "predicted": "1", "actual": "0", "at": "2026-03-01T09:00:00Z"}],
    },
    "retraining_requests_create": lambda w, c, me: {"model": pk(w, "model", c), "notes": f"retrain {c}"},
    "retraining_requests_start_create": lambda w, c, me: {"note": "on it"},
    "retraining_requests_link_create": lambda w, c, me: {"version": pk(w, "model_version", c)},
    "retraining_requests_decline_create": lambda w, c, me: {"reason": "not worth it"},
    "alerts_resolve_create": lambda w, c, me: {"root_cause": "data_issue", "note": "upstream feed fixed"},
    "alerts_proposal_confirm_create": lambda w, c, me: {"note": "confirmed"},
    "alerts_proposal_dismiss_create": lambda w, c, me: {"note": "a known glitch"},
    "assumptions_create": lambda w, c, me: {
        "statement": f"new assumption {c}",
        "owner": me.pk,
        "review_date": LATER,
        "business_unit": unit(w, c).pk,
    },
    "assumptions_review_create": lambda w, c, me: {
        "status": "holding",
        "note": "still true",
        "next_review_date": LATER,
    },
    "auth_token_create": lambda w, c, me: {"username": "program_manager", "password": PASSWORD},
    "auth_tokens_destroy": lambda w, c, me: {},
    "capabilities_create": lambda w, c, me: {"name": "new capability"},
    "datasets_create": lambda w, c, me: {"name": f"new-dataset-{c}", "business_unit": unit(w, c).pk},
    "datasets_partial_update": lambda w, c, me: {"description": "clearer words"},
    "datasets_privacy_treatment_create": lambda w, c, me: {"method": "aggregation", "technique": "groups of 10+"},
    "datasets_schemas_create": lambda w, c, me: {"columns": [{"name": "amount", "type": "double"}]},
    "datasets_import_create": lambda w, c, me: {
        "format": "csv",
        "content": _csv(("name", "business_unit", "status", "owner"), (f"imported-{c}", unit(w, c).code, "x", "1")),
    },
    "decommissions_create": lambda w, c, me: {
        "model": pk(w, "model", c),
        "reason": "no_longer_needed",
        "sunset_date": (date.today() + timedelta(days=500)).isoformat(),
    },
    "decommissions_acknowledge_create": lambda w, c, me: {"notice": 1, "note": "seen"},
    "decommissions_announce_create": lambda w, c, me: {},
    "decommissions_approve_create": lambda w, c, me: {"as_role": "owner"},
    "decommissions_cancel_create": lambda w, c, me: {"reason": "still needed"},
    "decommissions_checklist_create": lambda w, c, me: {},
    "decommissions_retire_create": lambda w, c, me: {},
    "hooks_mlflow_create": lambda w, c, me: {"event": "model_version.created"},
    "dependencies_create": lambda w, c, me: {
        "use_case": pk(w, "use_case", c),
        "depends_on": pk(w, "use_case", "own_confidential" if c == "own" else "own"),
    },
    "deployments_create": lambda w, c, me: {"version": pk(w, "model_version", c), "environment": "staging"},
    "concerns_create": lambda w, c, me: {"use_case": pk(w, "use_case", c), "kind": "privacy", "description": "pii"},
    "concerns_triage_create": lambda w, c, me: {"severity": "high"},
    "concerns_resolve_create": lambda w, c, me: {"resolution": "addressed"},
    "concerns_dismiss_create": lambda w, c, me: {"reason": "duplicate"},
    "emergency_releases_create": lambda w, c, me: {"version": pk(w, "model_version", c), "reason": "losses now"},
    "freeze_exemptions_create": lambda w, c, me: {"version": pk(w, "model_version", c), "reason": "fix now"},
    "freeze_exemptions_approve_create": lambda w, c, me: {"comment": "agreed", "password": PASSWORD},
    "freeze_exemptions_refuse_create": lambda w, c, me: {"comment": "can wait", "password": PASSWORD},
    "emergency_releases_approve_create": lambda w, c, me: {"comment": "agreed", "password": PASSWORD},
    "emergency_releases_refuse_create": lambda w, c, me: {"reason": "can wait", "password": PASSWORD},
    "emergency_releases_cancel_create": lambda w, c, me: {"reason": "no longer needed"},
    "emergency_releases_deploy_create": lambda w, c, me: {"reason": "go", "password": PASSWORD},
    "post_implementation_reviews_complete_create": lambda w, c, me: {
        "outcome": "confirmed",
        "findings": "the release held",
    },
    "vendors_create": lambda w, c, me: {"name": "new vendor", "due_diligence": "in_progress"},
    "technology_evaluations_create": lambda w, c, me: {"name": "new tool", "owner": me.pk, "annual_benefit": "10"},
    "technology_evaluations_partial_update": lambda w, c, me: {"lock_in_notes": "reviewed"},
    "technology_evaluations_decide_create": lambda w, c, me: {"decision": "defer", "rationale": "next year"},
    "sandbox_trials_create": lambda w, c, me: {
        "evaluation": pk(w, "evaluation", "any"),
        "start": TODAY,
        "end": SOON,
        "goals": "serve one model",
    },
    "sandbox_trials_close_create": lambda w, c, me: {"outcome": "pass", "findings": "fast enough"},
    "approved_standards_create": lambda w, c, me: {
        "name": "new standard",
        "kind": "standard",
        "description": "use it",
        "review_date": LATER,
    },
    "approved_standards_partial_update": lambda w, c, me: {"description": "revised"},
    "approved_standards_retire_create": lambda w, c, me: {"reason": "superseded"},
    "external_audits_create": lambda w, c, me: {
        "auditor": "new firm",
        "lead_auditor": "lead",
        "scope": "scope",
        "start_date": TODAY,
        "end_date": SOON,
    },
    "external_audits_partial_update": lambda w, c, me: {"scope": "revised"},
    "external_audits_transition_create": lambda w, c, me: {"to": "reported"},
    "audit_findings_create": lambda w, c, me: {
        "audit": pk(w, "external_audit", "any"),
        "reference": "NEW-1",
        "severity": "low",
        "description": "new finding",
        "owner": me.pk,
        "due_date": SOON,
    },
    "audit_findings_accept_risk_create": lambda w, c, me: {"reason": "accepted by the CRO"},
    "follow_ups_create": lambda w, c, me: {
        "finding": pk(w, "audit_finding", "any"),
        "description": "fix it",
        "owner": me.pk,
        "due_date": SOON,
    },
    "follow_ups_complete_create": lambda w, c, me: {"note": "fixed"},
    "vendors_partial_update": lambda w, c, me: {"notes": "reassessed"},
    "vendors_link_create": lambda w, c, me: {"model": pk(w, "model", c)},
    "vendors_unlink_create": lambda w, c, me: {"model": pk(w, "model", c)},
    "findings_create": lambda w, c, me: {
        "review": pk(w, "review", c),
        "severity": "medium",
        "description": "calibration drifts",
    },
    "evidence_create": lambda w, c, me: {
        "control": "CTL-01",
        "use_case": pk(w, "use_case", c),
        "kind": "text",
        "text": f"risk assessment on record {c}",
    },
    "evidence_review_create": lambda w, c, me: {"decision": "accept", "comment": "checked"},
    "test_evidence_create": lambda w, c, me: {
        "model_version": pk(w, "model_version", c),
        "kind": "code_review",
        "summary": "Training and scoring code reviewed.",
        "link": "https://git.example/ml/pull/7",
    },
    "test_evidence_review_create": lambda w, c, me: {"decision": "accept", "comment": "checked"},
    "findings_close_create": lambda w, c, me: {"reason": "fixed"},
    "findings_exception_create": lambda w, c, me: {"reason": "business need", "days": 10},
    "findings_respond_create": lambda w, c, me: {"response": "recalibrated"},
    "freeze_windows_create": lambda w, c, me: {
        "name": "new freeze",
        "start": (timezone.now() + timedelta(days=300)).isoformat(),
        "end": (timezone.now() + timedelta(days=301)).isoformat(),
    },
    "kpis_create": lambda w, c, me: _kpi(w, c, "new kpi"),
    "kpis_update": lambda w, c, me: _kpi(w, c, "renamed kpi"),
    "kpis_partial_update": lambda w, c, me: {"name": "renamed kpi"},
    "kpis_measurements_create": lambda w, c, me: {"measured_on": TODAY, "value": "1.5"},
    "model_versions_create": lambda w, c, me: {"model": pk(w, "model", c), "version": f"new-{c}"},
    "model_versions_datasets_create": lambda w, c, me: {"dataset": pk(w, "dataset", "own"), "role": "training"},
    "model_versions_transition_create": lambda w, c, me: {"to": "in_validation", "reason": "ready"},
    "model_versions_import_create": lambda w, c, me: {
        "mlflow_name": "absent",
        "mlflow_version": "1",
        "use_case": pk(w, "use_case", "own"),
    },
    "model_versions_acknowledge_break_create": lambda w, c, me: {"reason": "consumers told"},
    "models_partial_update": lambda w, c, me: {"description": "clearer words"},
    "models_consumers_create": lambda w, c, me: {"system": "billing", "contact_email": "billing@example.com"},
    "models_handover_create": lambda w, c, me: {"owners": [me.pk], "checklist": {}, "reason": "team change"},
    "models_create": lambda w, c, me: {"name": f"new-model-{c}", "use_case": pk(w, "use_case", c)},
    "models_rollback_create": lambda w, c, me: {"reason": "bad release"},
    "objectives_create": lambda w, c, me: {"title": f"new objective {c}", "business_unit": unit(w, c).pk},
    "objectives_update": lambda w, c, me: {"title": "renamed objective", "business_unit": unit(w, c).pk},
    "objectives_partial_update": lambda w, c, me: {"title": "renamed objective"},
    "person_skills_create": lambda w, c, me: {"person": me.pk, "skill": pk(w, "skill", "any"), "level": 2},
    "governance_versions_model_card_partial_update": lambda w, c, me: {"limitations": "Not for business cards."},
    "governance_versions_bias_assessments_create": lambda w, c, me: {
        "content": _csv(("label", "prediction", "group"), ("1", "1", "a"), ("0", "0", "a"), ("1", "1", "b")),
        "reference_groups": ["group=a"],
    },
    "portfolio_reviews_create": lambda w, c, me: {"title": "new review", "quarter": "2027-Q1", "held_on": TODAY},
    "portfolio_reviews_decisions_create": lambda w, c, me: {
        "use_case": pk(w, "use_case", c),
        "decision": "accelerate",
        "notes": "go faster",
    },
    "recommended_plan_apply_create": lambda w, c, me: {},
    "training_records_create": lambda w, c, me: {
        "user": me.pk,
        "completed_on": (date.today() - timedelta(days=1)).isoformat(),
        "expires_on": (date.today() + timedelta(days=364)).isoformat(),
    },
    "review_policies_create": lambda w, c, me: {
        "tier": "low",
        "reason": "longer approvals",
        "approval_validity_days": 200,
    },
    "reviews_sign_offs_create": lambda w, c, me: {
        "function": "validation",
        "decision": "approve",
        "password": PASSWORD,
    },
    "risk_assessments_create": lambda w, c, me: {"use_case": pk(w, "use_case", c), "answers": {"purpose": "triage"}},
    "risk_assessments_answer_create": lambda w, c, me: {"answers": {"purpose": "triage"}},
    "risk_assessments_submit_create": lambda w, c, me: {},
    "risk_assessments_approve_create": lambda w, c, me: {"reason": "sound"},
    "roadmap_items_create": lambda w, c, me: {
        "use_case": pk(w, "use_case", c),
        "wave": pk(w, "wave", "any"),
        "planned_start": SOON,
        "planned_end": LATER,
        "efforts": [{"team": pk(w, "team", "any"), "person_days": 5}],
    },
    "legal_holds_create": lambda w, c, me: {"scope": "model", "target_id": pk(w, "model", c), "reason": "Case 7."},
    "legal_holds_release_create": lambda w, c, me: {"reason": "Case 7 closed."},
    "scoring_criteria_create": lambda w, c, me: {"key": "hostile_new", "name": "new criterion", "weight": "1"},
    "scoring_criteria_update": lambda w, c, me: {"name": "renamed criterion", "weight": "2"},
    "scoring_criteria_partial_update": lambda w, c, me: {"weight": "2"},
    "skills_create": lambda w, c, me: {"name": "new skill"},
    "teams_create": lambda w, c, me: {"name": "new team"},
    "use_cases_create": lambda w, c, me: {
        "title": f"new use case {c}",
        "business_unit": unit(w, c).pk,
        "confidential": c.endswith("confidential"),
    },
    "use_cases_update": lambda w, c, me: {
        "title": "renamed use case",
        "business_unit": unit(w, c).pk,
        "confidential": c.endswith("confidential"),
    },
    "use_cases_partial_update": lambda w, c, me: {"title": "renamed use case"},
    "use_cases_benefit_reviews_create": lambda w, c, me: {
        "reviewed_on": TODAY,
        "realised_value": "10",
        "findings": "as planned",
    },
    "use_cases_change_actions_create": lambda w, c, me: {
        "kind": "roles",
        "description": "new roles",
        "owner": me.pk,
        "due_date": LATER,
    },
    "use_cases_objectives_create": lambda w, c, me: {"objective": pk(w, "objective", "own")},
    "use_cases_raci_create": lambda w, c, me: {"person": me.pk, "role": "C"},
    "use_cases_readiness_create": lambda w, c, me: {"item": "uat", "evidence": "signed UAT report"},
    "use_cases_scores_create": lambda w, c, me: {
        "criterion": pk(w, "scoring_criterion", "any"),
        "score": 4,
        "rationale": "re-scored",
    },
    "use_cases_skill_needs_create": lambda w, c, me: {"skill": pk(w, "skill", "any"), "level": 2},
    "use_cases_stop_loss_update": lambda w, c, me: {"measure": "realised_value", "threshold": "2", "due_date": LATER},
    "use_cases_transition_create": lambda w, c, me: {"to": "in_delivery", "reason": "planned"},
    "use_cases_value_contract_update": lambda w, c, me: {
        "formula": "precision * k - cost_usd",
        "constants": {"k": 3},
        "currency": "EUR",
    },
    "use_cases_import_create": lambda w, c, me: {
        "csv": _csv(
            ("title", "business_unit", "status", "risk_tier", "owner"),
            (f"imported {c}", unit(w, c).code, "live", "low", "1"),
        ),
        "valid_rows_only": False,
    },
    "waves_create": lambda w, c, me: {"name": "new wave", "start": SOON, "end": LATER},
}


def _kpi(w, c, name):
    return {
        "objective": pk(w, "objective", c),
        "name": name,
        "unit": "%",
        "baseline": "1",
        "baseline_date": TODAY,
        "target": "2",
        "target_date": (date.today() + timedelta(days=400)).isoformat(),
    }
