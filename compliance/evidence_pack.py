"""Compliance's section of a version's evidence pack (governance.evidence_pack): coverage of the use case's
controls per framework, and the evidence of the use case and of this version."""

from django.db.models import Q

from compliance import selectors
from governance.evidence_pack import user_summary as _user


def compliance_section(*, user, version, now) -> dict:
    use_case = version.model.use_case
    evidence = (
        selectors.evidence_list(user=user)
        .filter(Q(version=version) | Q(use_case=use_case, version__isnull=True))
        .select_related("control", "submitted_by", "reviewer")
        .order_by("created_at", "pk")
    )
    coverage = selectors.use_case_coverage(user=user, use_case=use_case, today=now.date())
    return {
        "coverage": [_coverage(c) for c in coverage if c.required],
        "evidence": [_evidence(e) for e in evidence],
    }


def _evidence(item) -> dict:
    return {
        "id": item.pk,
        "control": {"code": item.control.code, "title": item.control.title},
        "bound_to_version": item.version_id,
        "kind": item.kind,
        "filename": item.filename,
        "sha256": item.sha256,
        "url": item.url,
        "text": item.text,
        "description": item.description,
        "status": item.status,
        "submitted_by": _user(item.submitted_by),
        "reviewer": _user(item.reviewer),
        "reviewed_at": item.reviewed_at,
        "review_comment": item.review_comment,
        "expires_on": item.expires_on,
        "stale": item.stale,
        "stale_reason": item.stale_reason,
        "created_at": item.created_at,
    }


def _coverage(coverage) -> dict:
    return {
        "framework": coverage.framework.name,
        "required": coverage.required,
        "covered": coverage.covered,
        "percent": coverage.percent,
        "missing": [control.code for control in coverage.missing],
    }
