"""Governance pages: read through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from core.accounts import password_set_by
from core.exceptions import ApplicationError
from core.permissions import can
from core.tables import Column, SortedTableMixin
from governance import cards, charts, evidence_pack, fairness, required_evidence, selectors, services, sso_signing
from governance.choices import (
    ConcernSeverity,
    ConcernStatus,
    Decision,
    DueDiligence,
    EvaluationDecision,
    EvaluationStatus,
    ExternalAuditStatus,
    ReviewStatus,
    StandardStatus,
    TechnologyCategory,
)
from governance.forms import (
    AcceptRiskForm,
    AuditFindingForm,
    AuditTransitionForm,
    BiasUploadForm,
    ConcernCloseForm,
    ConcernForm,
    ConcernTriageForm,
    DecideForm,
    EmergencyDecisionForm,
    EmergencyRequestForm,
    EvaluationForm,
    ExternalAuditForm,
    FindingForm,
    FollowUpCompleteForm,
    FollowUpForm,
    ModelCardForm,
    MoveForm,
    PirCompleteForm,
    ReasonForm,
    SignOffForm,
    StandardEditForm,
    StandardForm,
    TrialCloseForm,
    TrialForm,
    answers_from,
    questionnaire_form,
)
from governance.models import FUNCTION_NAMES, Framework
from identity.services import signs_with_provider
from identity.views import start_reauthentication
from lifecycle import selectors as lifecycle_selectors
from lifecycle import services as lifecycle_services
from lifecycle.choices import Stage
from portfolio.models import UseCase


def _flash(request, action) -> bool:
    """Run a service call; its refusal becomes an error message. True when it succeeded."""
    try:
        action()
        return True
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False


class ReviewQueueView(LoginRequiredMixin, TemplateView):
    """What waits for the functions I hold, oldest first, with its age against the target turnaround."""

    template_name = "governance/review_queue.html"

    def get_context_data(self, **kwargs):
        queue = selectors.review_queue_rows(user=self.request.user)
        held = selectors.sign_off_functions_held(user=self.request.user)
        recent = selectors.review_list(user=self.request.user).order_by("-opened_at", "-pk")[:20]
        return super().get_context_data(
            queue=queue,
            by_function=selectors.review_queue_by_function(user=self.request.user, rows=queue),
            held=held,
            recent=recent,
            turnaround=selectors.TURNAROUND_DAYS,
            exceptions=selectors.live_exceptions(user=self.request.user),
            pirs=selectors.open_post_implementation_reviews(user=self.request.user),
            emergency_requests=selectors.emergency_releases_awaiting(user=self.request.user),
            today=timezone.localdate(),
            test_evidence=required_evidence.waiting_for(user=self.request.user),
            **kwargs,
        )


class ReviewListView(LoginRequiredMixin, SortedTableMixin, ListView):
    """Every review the reader may see, by status, sortable, exported as filtered; the queue links to it."""

    template_name = "governance/review_list.html"
    paginate_by = 50
    columns = (
        Column("id", "Review", ("pk",), "pk"),
        Column("version", "Version", ("version__model__name", "version__version"), "version"),
        Column("use_case", "Use case", ("version__model__use_case__number",), "version.model.use_case.code"),
        Column("tier", "Tier", ("policy__tier",), "policy.get_tier_display"),
        Column("status", "Status", ("status",), "get_status_display"),
        Column("opened", "Opened", ("opened_at",), "opened_at"),
        Column("closed", "Closed", ("closed_at",), "closed_at"),
    )
    default_sort = "-opened"
    export_filename = "lodestar-reviews.csv"

    def status_asked(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in ReviewStatus.values else ""

    def get_queryset(self):
        reviews = selectors.review_list(user=self.request.user)
        status = self.status_asked()
        return self.sorted(reviews.filter(status=status) if status else reviews)

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=self.status_asked(), statuses=ReviewStatus.choices, **kwargs)


class ReviewDetailView(LoginRequiredMixin, TemplateView):
    template_name = "governance/review_detail.html"

    def _review(self):
        return get_object_or_404(selectors.review_list(user=self.request.user), pk=self.kwargs["pk"])

    def _context(self, review, form=None):
        progress = selectors.review_progress(review)
        etag = services.review_etag(review, progress.digest)
        test_evidence_rows = list(review.version.test_evidence.order_by("-submitted_at", "-pk"))
        held = {f.code for f in selectors.sign_off_functions_held(user=self.request.user)}
        signable = [f for f in review.required_functions if f in held and f in progress.missing]
        independence = (
            services.validator_conflict(self.request.user, review.version) if "validation" in signable else ""
        )
        if independence:
            signable.remove("validation")
        may_sign = (
            review.status in (ReviewStatus.OPEN, ReviewStatus.APPROVED)
            and bool(signable)
            and not selectors.has_signed(review, self.request.user, progress.digest)
        )
        meanings = [
            (
                FUNCTION_NAMES[f],
                label,
                services.signature_meaning(review=review, function=f, decision=d, digest=progress.digest),
            )
            for f in signable
            for d, label in Decision.choices
        ]
        by_provider = signs_with_provider(self.request.user)
        checklist = lifecycle_selectors.gate_checklist(review.version, self.request.user, review=review)
        moves = selectors.review_next_moves(review.version, user=self.request.user, checklist=checklist)
        needs_training = bool(signable) and not services.has_current_training(self.request.user)
        return self.get_context_data(
            review=review,
            version=review.version,
            progress=progress,
            checklist=checklist,
            moves=moves,
            move_form=MoveForm(),
            needs_training=needs_training,
            history=review.sign_offs.select_related("signer"),
            findings=review.findings.select_related("raised_by").prefetch_related("exceptions"),
            finding_form=FindingForm(),
            is_validator=self.request.user.has_perm("governance.sign_validation"),
            is_developer=self.request.user.pk == review.version.submitted_by_id
            or review.version.model.owners.filter(pk=self.request.user.pk).exists(),
            now=timezone.now(),
            form=form or SignOffForm(functions=signable, by_provider=by_provider, initial={"if_match": etag}),
            signs_with_provider=by_provider,
            may_sign=may_sign,
            password_set_by=password_set_by(self.request.user) if may_sign else None,
            independence=independence,
            meanings=meanings,
            test_evidence=required_evidence.requirement_states(
                review.version,
                required=required_evidence.required_kinds(review.policy_snapshot),
                digest=progress.digest,
                rows=test_evidence_rows,
            ),
            test_evidence_waiting=sum(1 for row in test_evidence_rows if row.status == "submitted"),
            required=[
                {
                    "name": FUNCTION_NAMES[f],
                    "signed": next((s for s in progress.signed if s["function"] == f), None),
                    "missing": f in progress.missing,
                }
                for f in review.required_functions
            ],
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(self._review()))

    def _finding_step(self, request, review, step: str) -> None:
        """Effective challenge from the page: raise (validator), respond (developer), close (validator)."""
        if step == "raise":
            form = FindingForm(request.POST)
            if not form.is_valid():
                messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            elif _flash(
                request, lambda: services.finding_raise(actor=request.user, review=review, **form.cleaned_data)
            ):
                messages.success(request, "Finding raised; the developers are notified.")
            return
        finding = review.findings.filter(pk=request.POST.get("finding") or 0).first()
        if finding is None:
            messages.error(request, "finding: choose a finding of this review.")
        elif step == "respond" and _flash(
            request,
            lambda: services.finding_respond(
                actor=request.user, finding=finding, response=request.POST.get("response")
            ),
        ):
            messages.success(request, "Response recorded.")
        elif step == "close" and _flash(request, lambda: services.finding_close(actor=request.user, finding=finding)):
            messages.success(request, "Finding closed.")

    def _move_from_review(self, request, review) -> None:
        """The move the review page offers once the policy is satisfied, through lifecycle's one transition
        service: the gates run again, and a refusal names each failed gate."""
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return
        to = form.cleaned_data["to"]
        if _flash(
            request,
            lambda: lifecycle_services.model_version_transition(
                actor=request.user, version=review.version, to_stage=to, reason=form.cleaned_data["reason"]
            ),
        ):
            messages.success(request, f"{review.version} is now {Stage(to).label.lower()}.")

    def post(self, request, *args, **kwargs):
        review = self._review()
        step = request.POST.get("step", "sign")
        if step in ("raise", "respond", "close"):
            self._finding_step(request, review, step)
            return redirect("governance:review_detail", pk=review.pk)
        if step == "move":
            self._move_from_review(request, review)
            return redirect("governance:review_detail", pk=review.pk)
        held = [f.code for f in selectors.sign_off_functions_held(user=request.user)]
        by_provider = signs_with_provider(request.user)
        form = SignOffForm(request.POST, functions=held, by_provider=by_provider)
        if form.is_valid() and by_provider:
            # The signer re-authenticates at the identity provider; the signature completes when it answers.
            return start_reauthentication(
                request,
                kind=sso_signing.SIGN_OFF,
                object_id=review.pk,
                payload=form.cleaned_data,
                return_url=request.path,
            )
        if form.is_valid() and _flash(
            request, lambda: services.sign_off_record(actor=request.user, review=review, **form.cleaned_data)
        ):
            messages.success(request, "Signed. Your signature is recorded with the content digest.")
            return redirect("governance:review_detail", pk=review.pk)
        if form.errors:
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        review = self._review()  # as it is now: the form carries its current ETag
        return self.render_to_response(self._context(review))


class AssessmentView(LoginRequiredMixin, TemplateView):
    """Answer the questionnaire for a use case, see the category, tier and reasons; submit; approve."""

    template_name = "governance/assessment.html"

    def _use_case(self):
        return get_object_or_404(UseCase.objects.restrict(self.request.user, "view"), pk=self.kwargs["pk"])

    def _context(self, use_case, form=None):
        assessments = list(selectors.assessment_for_use_case(user=self.request.user, use_case_id=use_case.pk))
        current = assessments[0] if assessments else None
        questionnaire = current.questionnaire if current else services.current_questionnaire()
        mine = current is not None and current.author_id == self.request.user.pk
        return self.get_context_data(
            use_case=use_case,
            assessment=current,
            history=assessments[1:],
            form=form or questionnaire_form(questionnaire, initial=current.answers if current else None),
            may_answer=current is None or current.status == "approved" or (current.status == "draft" and mine),
            may_submit=mine and current.status == "draft",
            may_approve=current is not None
            and current.status == "submitted"
            and current.author_id != self.request.user.pk
            and self.request.user.has_perm("governance.approve_riskassessment"),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(self._use_case()))

    def post(self, request, *args, **kwargs):
        use_case = self._use_case()
        current = selectors.assessment_for_use_case(user=request.user, use_case_id=use_case.pk).first()
        step = request.POST.get("step", "save")
        if step == "approve" and current:
            if _flash(request, lambda: services.risk_assessment_approve(actor=request.user, assessment=current)):
                messages.success(request, f"Assessment approved: {use_case.code} is now in the {current.tier} tier.")
            return redirect("governance:assessment", pk=use_case.pk)
        if step == "submit" and current:
            if _flash(request, lambda: services.risk_assessment_submit(actor=request.user, assessment=current)):
                messages.success(request, "Submitted: a reviewer other than you approves it.")
            return redirect("governance:assessment", pk=use_case.pk)
        questionnaire = current.questionnaire if current else services.current_questionnaire()
        form = questionnaire_form(questionnaire, data=request.POST)
        if not form.is_valid():
            return self.render_to_response(self._context(use_case, form=form))
        answers = answers_from(form)
        if current is not None and current.status == "draft":
            saved = _flash(
                request,
                lambda: services.risk_assessment_answer(actor=request.user, assessment=current, answers=answers),
            )
        else:
            saved = _flash(
                request, lambda: services.risk_assessment_create(actor=request.user, use_case=use_case, answers=answers)
            )
        if saved:
            messages.success(request, "Answers saved; the classification below is recomputed.")
            return redirect("governance:assessment", pk=use_case.pk)
        return self.render_to_response(self._context(use_case, form=form))


# --- Compliance ---------------------------------------------------------------------------------------------


class ComplianceView(LoginRequiredMixin, TemplateView):
    """Frameworks with the coverage of the use cases I see, and the controls of the crosswalk."""

    template_name = "governance/compliance.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            coverage=selectors.compliance_coverage_by_framework(user=user),
            controls=selectors.control_list(user=user),
            may_import=user.has_perm("governance.import_framework"),
            **kwargs,
        )


class FrameworkDetailView(LoginRequiredMixin, TemplateView):
    """A framework's requirements, each with the internal controls mapped to it."""

    template_name = "governance/framework_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            framework=selectors.framework_get(user=self.request.user, pk=self.kwargs["pk"]), **kwargs
        )


class UseCaseCoverageView(LoginRequiredMixin, TemplateView):
    """What a use case still misses per framework, its evidence per control, and a form to submit more."""

    template_name = "governance/use_case_coverage.html"

    def _use_case(self):
        return get_object_or_404(UseCase.objects.restrict(self.request.user, "view"), pk=self.kwargs["pk"])

    def _form(self, use_case, data=None, files=None):
        from governance.forms import EvidenceForm
        from governance.models import Control
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
            may_submit=self.request.user.has_perm("governance.add_evidence"),
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
            return redirect("governance:use_case_coverage", pk=use_case.pk)
        return self.render_to_response(self._context(use_case, form=form))


class EvidenceListView(LoginRequiredMixin, TemplateView):
    """Evidence I may see, what waits for review first; compliance reviewers accept or reject it here."""

    template_name = "governance/evidence_list.html"

    def get_context_data(self, **kwargs):
        from governance.forms import EvidenceReviewForm

        rows = selectors.evidence_list(user=self.request.user)
        status = self.request.GET.get("status", "submitted")
        if status in ("submitted", "accepted", "rejected"):
            rows = rows.filter(status=status)
        return super().get_context_data(
            evidence=rows.order_by("created_at", "pk")[:200],
            status=status,
            may_review=self.request.user.has_perm("governance.review_evidence"),
            review_form=EvidenceReviewForm(),
            today=timezone.localdate(),
            **kwargs,
        )


class EvidenceReviewView(LoginRequiredMixin, View):
    """POST only: accept or reject one piece of evidence."""

    def post(self, request, pk):
        from governance.forms import EvidenceReviewForm

        evidence = get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)
        form = EvidenceReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        elif _flash(
            request, lambda: services.evidence_review(actor=request.user, evidence=evidence, **form.cleaned_data)
        ):
            messages.success(request, f"Evidence #{evidence.pk} {form.cleaned_data['decision']}ed.")
        return redirect("governance:evidence_list")


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

    template_name = "governance/framework_import.html"

    def dispatch(self, request, *args, **kwargs):
        from django.http import Http404

        if request.user.is_authenticated and not request.user.has_perm("governance.import_framework"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        from governance.forms import FrameworkImportForm

        return self.render_to_response(self.get_context_data(form=FrameworkImportForm()))

    def post(self, request, *args, **kwargs):
        from governance.forms import FrameworkImportForm

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
            return redirect("governance:framework_detail", pk=Framework.objects.get(code=diff.code).pk)
        preview = FrameworkImportForm(initial={"document": raw.decode("utf-8", "replace"), "filename": filename})
        return self.render_to_response(
            self.get_context_data(form=FrameworkImportForm(), preview=preview, diff=diff, error=error)
        )


# --- Model cards and bias assessments ----------------------------------------------------------------------


def _version(request, pk):
    return get_object_or_404(selectors.governed_versions(user=request.user), pk=pk)


def _card_context(request, version) -> dict:
    card = selectors.model_card_of(version)
    policy = services.policy_for_version(version)
    return {
        "version": version,
        "card": card,
        "sections": cards.sections(card, version),
        "completeness": cards.completeness(card, version),
        "required": policy.get("model_card_sections", []),
        "bias_required": policy.get("bias_assessment_required", False),
        "assessments": version.bias_assessments.select_related("created_by"),
        "may_edit": can(request.user, "change", version.model),
        "exports": selectors.evidence_pack_exports(version=version)[:5],
    }


class ModelCardView(LoginRequiredMixin, View):
    """A version's governance page: its model card with each section's state, and its bias assessments."""

    def get(self, request, pk):
        return render(request, "governance/model_card.html", _card_context(request, _version(request, pk)))


class ModelCardPrintView(LoginRequiredMixin, View):
    """The card on one printable page: no navigation, print styles."""

    def get(self, request, pk):
        return render(request, "governance/model_card_print.html", _card_context(request, _version(request, pk)))


class ModelCardMarkdownView(LoginRequiredMixin, View):
    def get(self, request, pk):
        version = _version(request, pk)
        text = cards.markdown(
            selectors.model_card_of(version), version, bias_assessments=version.bias_assessments.order_by("-pk")[:5]
        )
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="model-card-{version.pk}.md"'
        return response


class ModelCardEditView(LoginRequiredMixin, View):
    """Edit the card (its owners and the data scientists of its unit); a new card starts from what Lodestar
    already knows about the version."""

    template_name = "governance/model_card_form.html"

    def _render(self, request, version, form):
        return render(
            request,
            self.template_name,
            {"version": version, "form": form, "may_edit": can(request.user, "change", version.model)},
        )

    def get(self, request, pk):
        version = _version(request, pk)
        card = selectors.model_card_of(version)
        form = ModelCardForm(instance=card) if card else ModelCardForm(initial=cards.card_initial(version))
        return self._render(request, version, form)

    def post(self, request, pk):
        version = _version(request, pk)
        form = ModelCardForm(request.POST, instance=selectors.model_card_of(version))
        if form.is_valid():
            try:
                services.model_card_save(actor=request.user, version=version, **form.cleaned_data)
                messages.success(request, "Model card saved.")
                return redirect("governance:model_card", pk=version.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return self._render(request, version, form)


class BiasAssessmentsView(LoginRequiredMixin, View):
    """Upload a predictions file to assess a version's fairness; the assessments so far."""

    template_name = "governance/bias_assessments.html"

    def _render(self, request, version, form):
        return render(
            request,
            self.template_name,
            {
                "version": version,
                "form": form,
                "assessments": version.bias_assessments.select_related("created_by"),
                "may_edit": can(request.user, "change", version.model),
                "max_mb": fairness.MAX_BYTES // 1024 // 1024,
            },
        )

    def get(self, request, pk):
        return self._render(request, _version(request, pk), BiasUploadForm())

    def post(self, request, pk):
        version = _version(request, pk)
        form = BiasUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                assessment = services.bias_assessment_create(
                    actor=request.user,
                    version=version,
                    data=upload.read(fairness.MAX_BYTES + 1),
                    file_name=upload.name,
                    reference_groups=form.cleaned_data["reference_groups"],
                )
                return redirect("governance:bias_assessment_detail", pk=assessment.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        response = self._render(request, version, form)
        response.status_code = 400
        return response


class BiasAssessmentDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        assessment = get_object_or_404(selectors.bias_assessment_list(user=request.user), pk=pk)
        figures = [
            (attribute, result, charts.bias_chart(result, assessment.thresholds))
            for attribute, result in assessment.results.items()
        ]
        return render(request, "governance/bias_assessment_detail.html", {"assessment": assessment, "figures": figures})


# --- Evidence packs --------------------------------------------------------------------------------------------


class EvidencePackDownloadView(LoginRequiredMixin, View):
    """The version's evidence pack as a ZIP; its SHA-256 is audited, sent as a header and shown on the next page."""

    def get(self, request, pk):
        from governance.api.views import evidence_pack_response

        pack = services.evidence_pack_export(actor=request.user, version=_version(request, pk))
        messages.success(request, f"Evidence pack exported ({pack.files} files). SHA-256 of the ZIP: {pack.sha256}")
        return evidence_pack_response(pack)


class EvidencePackPrintView(LoginRequiredMixin, View):
    """The evidence pack on one printable page: no navigation, print styles."""

    def get(self, request, pk):
        version = _version(request, pk)
        pack = evidence_pack.collect(user=request.user, version=version, now=timezone.now().replace(microsecond=0))
        context = {
            "version": version,
            "pack": pack,
            "s": pack.sections,
            "card_markdown": cards.markdown(pack.card, version, bias_assessments=pack.bias_rows),
            "exports": selectors.evidence_pack_exports(version=version)[:10],
        }
        return render(request, "governance/evidence_pack_print.html", context)


# --- Concerns -----------------------------------------------------------------------------------------------


def _form_errors(request, form) -> None:
    messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))


class ConcernRaiseView(LoginRequiredMixin, TemplateView):
    """Raise a concern about a use case or a model (whoever sees it may), optionally without one's name
    shown to its owners."""

    template_name = "governance/concern_form.html"
    subject_kind = "use_case"

    def _subject(self):
        from lifecycle.models import AIModel

        model = UseCase if self.subject_kind == "use_case" else AIModel
        return get_object_or_404(model.objects.restrict(self.request.user, "view"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(subject=self._subject(), form=ConcernForm()))

    def post(self, request, *args, **kwargs):
        subject = self._subject()
        form = ConcernForm(request.POST)
        if form.is_valid():
            concern = None

            def raise_it():
                nonlocal concern
                concern = services.concern_raise(
                    actor=request.user, **{self.subject_kind: subject}, **form.cleaned_data
                )

            if _flash(request, raise_it):
                messages.success(request, "Concern raised; the triage team is notified.")
                return redirect("governance:concern_detail", pk=concern.pk)
        return self.render_to_response(self.get_context_data(subject=subject, form=form))


class ConcernListView(LoginRequiredMixin, ListView):
    """Concerns I may see, filtered by status and severity, newest first."""

    template_name = "governance/concern_list.html"
    context_object_name = "concerns"
    paginate_by = 50

    def _filters(self) -> dict:
        status = self.request.GET.get("status", "")
        severity = self.request.GET.get("severity", "")
        return {
            "status": status if status in ConcernStatus.values or status == "open_all" else "",
            "severity": severity if severity in ConcernSeverity.values else "",
        }

    def get_queryset(self):
        rows = selectors.concern_list(user=self.request.user)
        filters = self._filters()
        if filters["status"] == "open_all":
            rows = rows.still_open()
        elif filters["status"]:
            rows = rows.filter(status=filters["status"])
        if filters["severity"]:
            rows = rows.filter(severity=filters["severity"])
        return rows

    def get_context_data(self, **kwargs):
        from urllib.parse import urlencode

        filters = self._filters()
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["rows"] = [(c, selectors.reporter_shown(c, user)) for c in context["concerns"]]
        return {
            **context,
            **filters,
            "statuses": ConcernStatus.choices,
            "severities": ConcernSeverity.choices,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "today": timezone.localdate(),
            "by_severity": selectors.open_concerns_by_severity(user=user),
        }


class ConcernDetailView(LoginRequiredMixin, TemplateView):
    """One concern; the triage team triages, resolves or dismisses it here."""

    template_name = "governance/concern_detail.html"

    def _concern(self):
        return get_object_or_404(selectors.concern_list(user=self.request.user), pk=self.kwargs["pk"])

    def _context(self, concern, triage_form=None, close_form=None):
        from governance.services.concerns import TRIAGE_PERM, triage_team

        user = self.request.user
        may_triage = user.has_perm(TRIAGE_PERM) and concern.status in (ConcernStatus.OPEN, ConcernStatus.TRIAGED)
        initial = {"severity": concern.severity, "assignee": concern.assignee_id} if concern.severity else {}
        return self.get_context_data(
            concern=concern,
            show_reporter=selectors.reporter_shown(concern, user),
            may_triage=may_triage,
            triage_form=triage_form or ConcernTriageForm(team=triage_team(), initial=initial),
            close_form=close_form or ConcernCloseForm(),
            today=timezone.localdate(),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(self._concern()))

    def post(self, request, *args, **kwargs):
        from governance.services.concerns import triage_team

        concern = self._concern()
        step = request.POST.get("step")
        if step == "triage":
            form = ConcernTriageForm(request.POST, team=triage_team())
            if not form.is_valid():
                _form_errors(request, form)
                return self.render_to_response(self._context(concern, triage_form=form))
            if _flash(
                request, lambda: services.concern_triage(actor=request.user, concern=concern, **form.cleaned_data)
            ):
                messages.success(request, "Concern triaged.")
        elif step in ("resolve", "dismiss"):
            form = ConcernCloseForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
            elif step == "resolve" and _flash(
                request,
                lambda: services.concern_resolve(
                    actor=request.user, concern=concern, resolution=form.cleaned_data["text"]
                ),
            ):
                messages.success(request, "Concern resolved; the reporter is told.")
            elif step == "dismiss" and _flash(
                request,
                lambda: services.concern_dismiss(actor=request.user, concern=concern, reason=form.cleaned_data["text"]),
            ):
                messages.success(request, "Concern dismissed; the reporter is told.")
        else:
            messages.error(request, "step: choose triage, resolve or dismiss.")
        return redirect("governance:concern_detail", pk=concern.pk)


# --- Vendors ------------------------------------------------------------------------------------------------


class VendorListView(LoginRequiredMixin, ListView):
    """Third-party AI vendors with their due diligence, lock-in risk and the models they supply."""

    template_name = "governance/vendor_list.html"
    context_object_name = "vendors"
    paginate_by = 50

    def get_queryset(self):
        rows = selectors.vendor_list(user=self.request.user)
        due_diligence = self.request.GET.get("due_diligence", "")
        if due_diligence in DueDiligence.values:
            rows = rows.filter(due_diligence=due_diligence)
        return rows

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=DueDiligence.choices,
            due_diligence=self.request.GET.get("due_diligence", ""),
            may_manage=self.request.user.has_perm("governance.manage_vendor"),
            **kwargs,
        )


class VendorDetailView(LoginRequiredMixin, TemplateView):
    """One vendor: its clauses, exit strategy and the inventory models it supplies (those I may see)."""

    template_name = "governance/vendor_detail.html"

    def get_context_data(self, **kwargs):
        vendor = get_object_or_404(selectors.vendor_list(user=self.request.user), pk=self.kwargs["pk"])
        return super().get_context_data(
            vendor=vendor,
            supplied=vendor.visible_supplies,
            may_manage=self.request.user.has_perm("governance.manage_vendor"),
            **kwargs,
        )


# --- Emergency releases and post-implementation reviews -----------------------------------------------------


class EmergencyRequestView(LoginRequiredMixin, TemplateView):
    """An owner asks for an emergency release of one version, with the reason the approvers read."""

    template_name = "governance/emergency_request.html"

    def _version(self):
        from lifecycle.models import ModelVersion

        return get_object_or_404(
            ModelVersion.objects.restrict(self.request.user, "view").select_related("model"), pk=self.kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(version=self._version(), form=EmergencyRequestForm()))

    def post(self, request, *args, **kwargs):
        version = self._version()
        form = EmergencyRequestForm(request.POST)
        if form.is_valid():
            made = []
            if _flash(
                request,
                lambda: made.append(
                    services.emergency_release_request(
                        actor=request.user, version=version, reason=form.cleaned_data["reason"]
                    )
                ),
            ):
                messages.success(request, "Emergency release requested; the emergency function is notified.")
                return redirect("governance:emergency_release_detail", pk=made[0].pk)
        return self.render_to_response(self.get_context_data(version=version, form=form))


class EmergencyReleaseDetailView(LoginRequiredMixin, TemplateView):
    """One emergency release: its reason, approvals and window; approve, refuse, cancel or release it here."""

    template_name = "governance/emergency_release_detail.html"

    def _release(self):
        return get_object_or_404(selectors.emergency_release_list(user=self.request.user), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        from governance.choices import EMERGENCY_STATUS_COLORS, OPEN_EMERGENCY_STATES
        from governance.services.emergency import EMERGENCY_PERM, problem

        release = self._release()
        user = request.user
        version = release.version
        is_owner = version.model.owners.filter(pk=user.pk).exists()
        by_provider = signs_with_provider(user)
        open_ = release.status in OPEN_EMERGENCY_STATES
        may_decide = (
            open_
            and user.has_perm(EMERGENCY_PERM)
            and not is_owner
            and user.pk not in (release.requested_by_id, release.first_approver_id)
        )
        return self.render_to_response(
            self.get_context_data(
                release=release,
                version=version,
                color=EMERGENCY_STATUS_COLORS.get(release.status, "grey"),
                problem=problem(release, version) if open_ else None,
                may_decide=may_decide,
                may_withdraw=open_ and (is_owner or user.pk == release.requested_by_id),
                may_deploy=open_ and is_owner,
                form=EmergencyDecisionForm(signer=may_decide or (open_ and is_owner), by_provider=by_provider),
                signs_with_provider=by_provider,
            )
        )

    def post(self, request, *args, **kwargs):
        release = self._release()
        by_provider = signs_with_provider(request.user)
        form = EmergencyDecisionForm(request.POST, by_provider=by_provider)
        valid = form.is_valid()
        text = form.cleaned_data["text"] if valid else ""
        password = form.cleaned_data.get("password", "") if valid else ""
        step = request.POST.get("step")
        if step == "approve" and valid and by_provider:
            return start_reauthentication(
                request,
                kind=sso_signing.EMERGENCY_APPROVAL,
                object_id=release.pk,
                payload={"comment": text},
                return_url=request.path,
            )
        actions = {
            "approve": (
                lambda: services.emergency_release_approve(
                    actor=request.user, release=release, comment=text, password=password
                ),
                "Approved.",
            ),
            "refuse": (
                lambda: services.emergency_release_refuse(
                    actor=request.user, release=release, reason=text, password=password
                ),
                "Refused; the requester is told.",
            ),
            "cancel": (
                lambda: services.emergency_release_cancel(actor=request.user, release=release, reason=text),
                "Cancelled.",
            ),
            "deploy": (
                lambda: services.emergency_release_deploy(
                    actor=request.user, release=release, reason=text, password=password
                ),
                "Released to production; the alert is raised and the post-implementation review is open.",
            ),
        }
        if step not in actions:
            messages.error(request, "step: choose approve, refuse, cancel or deploy.")
        elif _flash(request, actions[step][0]):
            messages.success(request, actions[step][1])
        return redirect("governance:emergency_release_detail", pk=release.pk)


class PirDetailView(LoginRequiredMixin, TemplateView):
    """A post-implementation review of an emergency release; an independent validator completes it here."""

    template_name = "governance/pir_detail.html"

    def _pir(self):
        return get_object_or_404(
            selectors.post_implementation_review_list(user=self.request.user), pk=self.kwargs["pk"]
        )

    def _context(self, pir, form=None):
        from governance.choices import PirStatus

        user = self.request.user
        release = pir.release
        independent = (
            user.pk != release.requested_by_id and not release.version.model.owners.filter(pk=user.pk).exists()
        )
        return self.get_context_data(
            pir=pir,
            release=release,
            version=release.version,
            today=timezone.localdate(),
            may_complete=pir.status == PirStatus.OPEN and user.has_perm("governance.sign_validation") and independent,
            form=form or PirCompleteForm(),
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self._context(self._pir()))

    def post(self, request, *args, **kwargs):
        pir = self._pir()
        form = PirCompleteForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return self.render_to_response(self._context(pir, form=form))
        if _flash(
            request,
            lambda: services.post_implementation_review_complete(actor=request.user, pir=pir, **form.cleaned_data),
        ):
            messages.success(request, "Post-implementation review completed; the requester and approvers are told.")
            return redirect("governance:pir_detail", pk=pir.pk)
        return self.render_to_response(self._context(pir, form=form))


# --- Required test evidence ---------------------------------------------------------------------------------


class TestEvidenceView(LoginRequiredMixin, View):
    """A version's required test evidence: each kind the policy asks for and its state, every submission with
    its decision; its developers submit here, independent validation and security reviewers decide here."""

    __test__ = False
    template_name = "governance/test_evidence.html"

    def _render(self, request, version, form, status=200):
        from governance.required_evidence import version_evidence

        context = {"version": version, "form": form, "evidence": version_evidence(user=request.user, version=version)}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        from governance.forms import TestEvidenceForm

        return self._render(request, _version(request, pk), TestEvidenceForm())

    def post(self, request, pk):
        from governance.forms import TestEvidenceForm

        version = _version(request, pk)
        form = TestEvidenceForm(request.POST)
        if form.is_valid():
            try:
                services.test_evidence_submit(actor=request.user, version=version, **form.cleaned_data)
                messages.success(request, "Test evidence submitted; an independent reviewer decides on it.")
                return redirect("governance:test_evidence", pk=version.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return self._render(request, version, form, status=400)


class TestEvidenceReviewView(LoginRequiredMixin, View):
    """POST only: accept or reject one piece of test evidence."""

    __test__ = False

    def post(self, request, pk):
        from governance.forms import TestEvidenceReviewForm

        evidence = get_object_or_404(selectors.test_evidence_list(user=request.user), pk=pk)
        form = TestEvidenceReviewForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        elif _flash(
            request,
            lambda: services.test_evidence_review(actor=request.user, evidence=evidence, **form.cleaned_data),
        ):
            messages.success(request, f"{evidence.get_kind_display()} {form.cleaned_data['decision']}ed.")
        return redirect("governance:test_evidence", pk=evidence.version_id)


# --- Technology evaluations and approved standards ---------------------------------------------------------


def _post_step(request, form, call, success: str) -> bool:
    """Validate a step's form and run its service; errors become messages. True when it succeeded."""
    if not form.is_valid():
        _form_errors(request, form)
        return False
    if _flash(request, lambda: call(form.cleaned_data)):
        messages.success(request, success)
        return True
    return False


def _create_then_show(view, form, create, success: str, route: str):
    """A list page's create form: on success open the new record, else show the list with the form's errors."""
    created = []
    request = view.request
    if _post_step(request, form, lambda data: created.append(create(actor=request.user, **data)), success):
        return redirect(route, pk=created[0].pk)
    view.object_list = view.get_queryset()
    return view.render_to_response(view.get_context_data(form=form))


def _people():
    from django.contrib.auth.models import User

    return User.objects.filter(is_active=True).order_by("username")


class EvaluationListView(LoginRequiredMixin, ListView):
    """Tools and platforms evaluated: build or buy, licence, cost against benefit, lock-in, trials and the
    decision; evaluators propose new ones here."""

    template_name = "governance/evaluation_list.html"
    context_object_name = "evaluations"
    paginate_by = 50

    def _filters(self) -> dict:
        status, category = self.request.GET.get("status", ""), self.request.GET.get("category", "")
        return {
            "status": status if status in EvaluationStatus.values else "",
            "category": category if category in TechnologyCategory.values else "",
        }

    def get_queryset(self):
        rows = selectors.evaluation_list(user=self.request.user)
        return rows.filter(**{k: v for k, v in self._filters().items() if v})

    def _form(self, data=None):
        form = EvaluationForm(data)
        form.fields["vendor"].queryset = selectors.vendor_list(user=self.request.user)
        return form

    def get_context_data(self, **kwargs):
        from urllib.parse import urlencode

        from governance.services.evaluations import MANAGE_PERM

        filters = self._filters()
        kwargs.setdefault("form", self._form())
        return super().get_context_data(
            **filters,
            statuses=EvaluationStatus.choices,
            categories=TechnologyCategory.choices,
            query=urlencode({k: v for k, v in filters.items() if v}),
            may_manage=self.request.user.has_perm(MANAGE_PERM),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        return _create_then_show(
            self, form, services.evaluation_create, "Evaluation recorded.", "governance:evaluation_detail"
        )


class EvaluationDetailView(LoginRequiredMixin, TemplateView):
    """One evaluation: its economics and lock-in, its sandbox trials, the decision and the standards it
    published; evaluators run trials, the review board decides and publishes."""

    template_name = "governance/evaluation_detail.html"

    def _evaluation(self):
        from governance.models import TechnologyEvaluation

        try:
            return selectors.evaluation_get(user=self.request.user, pk=self.kwargs["pk"])
        except TechnologyEvaluation.DoesNotExist as exc:
            raise Http404 from exc

    def _edit_form(self, evaluation, data=None):
        form = EvaluationForm(data, instance=evaluation if data is None else None)
        form.fields["vendor"].queryset = selectors.vendor_list(user=self.request.user)
        return form

    def get_context_data(self, **kwargs):
        from governance.services.evaluations import APPROVE_STANDARD_PERM, DECIDE_PERM, MANAGE_PERM

        evaluation = self._evaluation()
        user, undecided = self.request.user, evaluation.status != EvaluationStatus.DECIDED
        trials = list(evaluation.trials.all())
        return super().get_context_data(
            evaluation=evaluation,
            trials=trials,
            running=next((t for t in trials if t.is_open), None),
            standards=list(evaluation.standards.all()),
            may_manage=undecided and user.has_perm(MANAGE_PERM),
            may_decide=undecided and user.has_perm(DECIDE_PERM),
            may_publish=evaluation.decision == EvaluationDecision.ADOPT and user.has_perm(APPROVE_STANDARD_PERM),
            edit_form=self._edit_form(evaluation),
            trial_form=TrialForm(),
            close_form=TrialCloseForm(),
            decide_form=DecideForm(),
            standard_form=StandardForm(
                initial={"name": evaluation.name, "kind": "reference_architecture", "description": evaluation.summary}
            ),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        evaluation, user = self._evaluation(), request.user
        step = request.POST.get("step")
        if step == "edit":
            _post_step(
                request,
                self._edit_form(evaluation, request.POST),
                lambda d: services.evaluation_update(actor=user, evaluation=evaluation, **d),
                "Evaluation updated.",
            )
        elif step == "trial":
            _post_step(
                request,
                TrialForm(request.POST),
                lambda d: services.trial_start(actor=user, evaluation=evaluation, **d),
                "Sandbox trial started.",
            )
        elif step == "close_trial":
            running = next((t for t in evaluation.trials.all() if t.is_open), None)
            if running is None:
                messages.error(request, "No trial of this evaluation is running.")
            else:
                _post_step(
                    request,
                    TrialCloseForm(request.POST),
                    lambda d: services.trial_close(actor=user, trial=running, **d),
                    "Trial closed.",
                )
        elif step == "decide":
            _post_step(
                request,
                DecideForm(request.POST),
                lambda d: services.evaluation_decide(actor=user, evaluation=evaluation, **d),
                "Decision recorded.",
            )
        elif step == "publish":
            published = []
            if _post_step(
                request,
                StandardForm(request.POST),
                lambda d: published.append(services.standard_approve(actor=user, evaluation=evaluation, **d)),
                "Approved standard published.",
            ):
                return redirect("governance:standard_detail", pk=published[0].pk)
        else:
            messages.error(request, "step: choose edit, trial, close_trial, decide or publish.")
        return redirect("governance:evaluation_detail", pk=evaluation.pk)


class StandardListView(LoginRequiredMixin, ListView):
    """Approved standards and reference architectures, with their next review; the review board approves
    new ones here."""

    template_name = "governance/standard_list.html"
    context_object_name = "standards"
    paginate_by = 50

    def _status(self) -> str:
        status = self.request.GET.get("status", StandardStatus.APPROVED)
        return status if status in StandardStatus.values or status == "all" else StandardStatus.APPROVED

    def get_queryset(self):
        rows = selectors.standard_list(user=self.request.user)
        return rows if self._status() == "all" else rows.filter(status=self._status())

    def get_context_data(self, **kwargs):
        from governance.services.evaluations import APPROVE_STANDARD_PERM

        kwargs.setdefault("form", StandardForm())
        return super().get_context_data(
            status=self._status(),
            statuses=StandardStatus.choices,
            today=timezone.localdate(),
            may_approve=self.request.user.has_perm(APPROVE_STANDARD_PERM),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = StandardForm(request.POST)
        return _create_then_show(
            self, form, services.standard_approve, "Standard approved.", "governance:standard_detail"
        )


class StandardDetailView(LoginRequiredMixin, TemplateView):
    """One standard or reference architecture; the review board revises or retires it here."""

    template_name = "governance/standard_detail.html"

    def _standard(self):
        return get_object_or_404(selectors.standard_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        from governance.services.evaluations import APPROVE_STANDARD_PERM

        standard = self._standard()
        return super().get_context_data(
            standard=standard,
            may_approve=standard.status == StandardStatus.APPROVED
            and self.request.user.has_perm(APPROVE_STANDARD_PERM),
            edit_form=StandardEditForm(
                initial={
                    "description": standard.description,
                    "link": standard.link,
                    "review_date": standard.review_date,
                }
            ),
            retire_form=ReasonForm(),
            today=timezone.localdate(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        standard, user = self._standard(), request.user
        step = request.POST.get("step")
        if step == "edit":
            _post_step(
                request,
                StandardEditForm(request.POST),
                lambda d: services.standard_update(actor=user, standard=standard, **d),
                "Standard revised.",
            )
        elif step == "retire":
            _post_step(
                request,
                ReasonForm(request.POST),
                lambda d: services.standard_retire(actor=user, standard=standard, reason=d["reason"]),
                "Standard retired.",
            )
        else:
            messages.error(request, "step: choose edit or retire.")
        return redirect("governance:standard_detail", pk=standard.pk)


# --- External audits ---------------------------------------------------------------------------------------


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

    template_name = "governance/external_audit_list.html"
    context_object_name = "audits"
    paginate_by = 50

    def _status(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in ExternalAuditStatus.values else ""

    def get_queryset(self):
        rows = selectors.external_audit_list(user=self.request.user)
        return rows.filter(status=self._status()) if self._status() else rows

    def get_context_data(self, **kwargs):
        from governance.services.audits import MANAGE_PERM

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
            self, form, services.external_audit_create, "External audit planned.", "governance:external_audit_detail"
        )


class ExternalAuditDetailView(LoginRequiredMixin, TemplateView):
    """One external audit: its scope, findings with their follow-ups (overdue ones marked) and what still
    blocks closing; compliance records findings, follow-ups and moves the audit on; owners mark their
    follow-ups done."""

    template_name = "governance/external_audit_detail.html"

    def _audit(self):
        from governance.models import ExternalAudit

        try:
            return selectors.external_audit_get(user=self.request.user, pk=self.kwargs["pk"])
        except ExternalAudit.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        from governance.choices import NEXT_AUDIT_STATUSES
        from governance.services.audits import AUDIT_FIELDS, MANAGE_PERM, unsettled_findings

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
        from governance.models import AuditFinding, FollowUp

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
        return redirect("governance:external_audit_detail", pk=external_audit.pk)
