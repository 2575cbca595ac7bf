"""Compliance pages: frameworks, the crosswalk, evidence and coverage, external audits. Read through selectors,
write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from compliance import selectors, services
from compliance.choices import ExternalAuditStatus
from compliance.forms import (
    AcceptRiskForm,
    AuditFindingForm,
    AuditTransitionForm,
    ExternalAuditForm,
    FollowUpCompleteForm,
    FollowUpForm,
)
from compliance.models import Framework
from core.exceptions import ApplicationError
from core.pages import create_then_show as _create_then_show
from core.pages import flash as _flash
from core.pages import post_step as _post_step
from portfolio.models import UseCase


class ComplianceView(LoginRequiredMixin, TemplateView):
    """Frameworks with the coverage of the use cases I see, and the controls of the crosswalk."""

    template_name = "compliance/compliance.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            coverage=selectors.compliance_coverage_by_framework(user=user),
            controls=selectors.control_list(user=user),
            may_import=user.has_perm("compliance.import_framework"),
            **kwargs,
        )


class FrameworkDetailView(LoginRequiredMixin, TemplateView):
    """A framework's requirements, each with the internal controls mapped to it."""

    template_name = "compliance/framework_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            framework=selectors.framework_get(user=self.request.user, pk=self.kwargs["pk"]), **kwargs
        )


class UseCaseCoverageView(LoginRequiredMixin, TemplateView):
    """What a use case still misses per framework, its evidence per control, and a form to submit more."""

    template_name = "compliance/use_case_coverage.html"

    def _use_case(self):
        return get_object_or_404(UseCase.objects.restrict(self.request.user, "view"), pk=self.kwargs["pk"])

    def _form(self, use_case, data=None, files=None):
        from compliance.forms import EvidenceForm
        from compliance.models import Control
        from lifecycle.models import ModelVersion

        versions = (
            ModelVersion.objects.restrict(self.request.user, "view")
            .filter(model__use_case=use_case)
            .select_related("model")
        )
        return EvidenceForm(data, files, controls=Control.objects.all(), versions=versions)

    def _context(self, use_case, form=None):
        return self.get_context_data(
            use_case=use_case,
            coverage=selectors.use_case_coverage(user=self.request.user, use_case=use_case),
            form=form or self._form(use_case),
            may_submit=self.request.user.has_perm("compliance.add_evidence"),
            today=timezone.localdate(),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(self._use_case()))

    def post(self, request, *args, **kwargs):
        use_case = self._use_case()
        form = self._form(use_case, request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return self.render_to_response(self._context(use_case, form=form))
        if _flash(
            request, lambda: services.evidence_submit(actor=request.user, use_case=use_case, **form.cleaned_data)
        ):
            messages.success(request, "Evidence submitted; a compliance reviewer decides on it.")
            return redirect("compliance:use_case_coverage", pk=use_case.pk)
        return self.render_to_response(self._context(use_case, form=form))


class EvidenceListView(LoginRequiredMixin, TemplateView):
    """Evidence I may see, what waits for review first; compliance reviewers accept or reject it here."""

    template_name = "compliance/evidence_list.html"

    def get_context_data(self, **kwargs):
        from compliance.forms import EvidenceReviewForm

        rows = selectors.evidence_list(user=self.request.user)
        status = self.request.GET.get("status", "submitted")
        if status in ("submitted", "accepted", "rejected"):
            rows = rows.filter(status=status)
        return super().get_context_data(
            evidence=rows.order_by("created_at", "pk")[:200],
            status=status,
            may_review=self.request.user.has_perm("compliance.review_evidence"),
            review_form=EvidenceReviewForm(),
            today=timezone.localdate(),
            **kwargs,
        )


class EvidenceReviewView(LoginRequiredMixin, View):
    """POST only: accept or reject one piece of evidence."""

    def post(self, request, pk):
        from compliance.forms import EvidenceReviewForm

        evidence = get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)
        form = EvidenceReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        elif _flash(
            request, lambda: services.evidence_review(actor=request.user, evidence=evidence, **form.cleaned_data)
        ):
            messages.success(request, f"Evidence #{evidence.pk} {form.cleaned_data['decision']}ed.")
        return redirect("compliance:evidence_list")


class EvidenceFileView(LoginRequiredMixin, View):
    """The evidence file, always as a download: never rendered by the browser (no HTML served inline)."""

    def get(self, request, pk):
        from django.http import FileResponse, Http404

        evidence = get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)
        if not evidence.file:
            raise Http404
        response = FileResponse(
            evidence.file.open("rb"), as_attachment=True, filename=evidence.filename or f"evidence-{evidence.pk}"
        )
        response["Content-Type"] = "application/octet-stream"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class FrameworkImportView(LoginRequiredMixin, TemplateView):
    """Admins import a framework or a new revision: upload, read the diff, then apply (audited)."""

    template_name = "compliance/framework_import.html"

    def dispatch(self, request, *args, **kwargs):
        from django.http import Http404

        if request.user.is_authenticated and not request.user.has_perm("compliance.import_framework"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        from compliance.forms import FrameworkImportForm

        return self.render_to_response(self.get_context_data(form=FrameworkImportForm()))

    def post(self, request, *args, **kwargs):
        from compliance.forms import FrameworkImportForm

        form = FrameworkImportForm(request.POST, request.FILES)
        form.is_valid()
        data = form.cleaned_data
        upload = data.get("file")
        filename = upload.name if upload else data.get("filename", "")
        raw = upload.read(2 * 1024 * 1024) if upload else (data.get("document") or "").encode()
        apply = request.POST.get("step") == "apply"
        diff, error = None, None
        try:
            document = services.framework_document_parse(raw, filename=filename)
            diff = services.framework_import(actor=request.user, document=document, apply=apply)
        except ApplicationError as exc:
            error = exc
        if diff is not None and apply:
            messages.success(request, f"{diff.name} {diff.revision} imported.")
            return redirect("compliance:framework_detail", pk=Framework.objects.get(code=diff.code).pk)
        preview = FrameworkImportForm(initial={"document": raw.decode("utf-8", "replace"), "filename": filename})
        return self.render_to_response(
            self.get_context_data(form=FrameworkImportForm(), preview=preview, diff=diff, error=error)
        )


def _people():
    from django.contrib.auth.models import User

    return User.objects.filter(is_active=True).order_by("username")


def _audit_form(user, data=None, initial=None):
    return ExternalAuditForm(
        data,
        initial=initial,
        frameworks=Framework.objects.order_by("name"),
        use_cases=UseCase.objects.restrict(user, "view").order_by("number"),
    )


class ExternalAuditListView(LoginRequiredMixin, ListView):
    """External audits (auditor, scope, dates, status, findings) and every overdue follow-up; compliance
    plans new audits here."""

    template_name = "compliance/external_audit_list.html"
    context_object_name = "audits"
    paginate_by = 50

    def _status(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in ExternalAuditStatus.values else ""

    def get_queryset(self):
        rows = selectors.external_audit_list(user=self.request.user)
        return rows.filter(status=self._status()) if self._status() else rows

    def get_context_data(self, **kwargs):
        from compliance.services.audits import MANAGE_PERM

        user = self.request.user
        kwargs.setdefault("form", _audit_form(user))
        return super().get_context_data(
            status=self._status(),
            statuses=ExternalAuditStatus.choices,
            overdue=list(selectors.follow_ups_overdue(user=user)[:50]),
            today=timezone.localdate(),
            may_manage=user.has_perm(MANAGE_PERM),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = _audit_form(request.user, request.POST)
        return _create_then_show(
            self, form, services.external_audit_create, "External audit planned.", "compliance:external_audit_detail"
        )


class ExternalAuditDetailView(LoginRequiredMixin, TemplateView):
    """One external audit: its scope, findings with their follow-ups (overdue ones marked) and what still
    blocks closing; compliance records findings, follow-ups and moves the audit on; owners mark their
    follow-ups done."""

    template_name = "compliance/external_audit_detail.html"

    def _audit(self):
        from compliance.models import ExternalAudit

        try:
            return selectors.external_audit_get(user=self.request.user, pk=self.kwargs["pk"])
        except ExternalAudit.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        from compliance.choices import NEXT_AUDIT_STATUSES
        from compliance.services.audits import AUDIT_FIELDS, MANAGE_PERM, unsettled_findings

        external_audit, user = self._audit(), self.request.user
        is_open = external_audit.status != ExternalAuditStatus.CLOSED
        may_manage = is_open and user.has_perm(MANAGE_PERM)
        findings = list(external_audit.findings.all())
        next_statuses = [
            (s.value, s.label) for s in ExternalAuditStatus if s in NEXT_AUDIT_STATUSES[external_audit.status]
        ]
        transition_form = AuditTransitionForm()
        transition_form.fields["to"].choices = next_statuses
        return super().get_context_data(
            audit=external_audit,
            findings=findings,
            blocking=unsettled_findings(external_audit) if is_open and findings else [],
            may_manage=may_manage,
            is_open=is_open,
            edit_form=_audit_form(
                user,
                initial={
                    **{f: getattr(external_audit, f) for f in AUDIT_FIELDS},
                    "frameworks": list(external_audit.frameworks.all()),
                    "use_cases": external_audit.visible_use_cases,
                },
            ),
            transition_form=transition_form if next_statuses else None,
            finding_form=AuditFindingForm(people=_people()),
            follow_up_form=FollowUpForm(findings=external_audit.findings.all(), people=_people()),
            today=timezone.localdate(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        from compliance.models import AuditFinding, FollowUp

        external_audit, user = self._audit(), request.user
        findings = AuditFinding.objects.filter(audit=external_audit)
        step = request.POST.get("step")
        if step == "edit":
            _post_step(
                request,
                _audit_form(user, request.POST),
                lambda d: services.external_audit_update(actor=user, external_audit=external_audit, **d),
                "Audit updated.",
            )
        elif step == "transition":
            form = AuditTransitionForm(request.POST)
            _post_step(
                request,
                form,
                lambda d: services.external_audit_transition(actor=user, external_audit=external_audit, **d),
                "Audit moved on.",
            )
        elif step == "finding":
            _post_step(
                request,
                AuditFindingForm(request.POST, people=_people()),
                lambda d: services.audit_finding_add(actor=user, external_audit=external_audit, **d),
                "Finding recorded; its owner is told.",
            )
        elif step == "follow_up":
            _post_step(
                request,
                FollowUpForm(request.POST, findings=findings, people=_people()),
                lambda d: services.follow_up_add(actor=user, **d),
                "Follow-up planned; its owner is told.",
            )
        elif step == "complete":
            _post_step(
                request,
                FollowUpCompleteForm(request.POST, follow_ups=FollowUp.objects.filter(finding__audit=external_audit)),
                lambda d: services.follow_up_complete(actor=user, follow_up=d["follow_up"], note=d["note"]),
                "Follow-up done.",
            )
        elif step == "accept_risk":
            _post_step(
                request,
                AcceptRiskForm(request.POST, findings=findings),
                lambda d: services.audit_finding_accept_risk(actor=user, finding=d["finding"], reason=d["reason"]),
                "Risk accepted.",
            )
        else:
            messages.error(request, "step: choose edit, transition, finding, follow_up, complete or accept_risk.")
        return redirect("compliance:external_audit_detail", pk=external_audit.pk)
