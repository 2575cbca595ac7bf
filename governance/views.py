"""Governance pages: read through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from core.accounts import password_set_by
from core.exceptions import ApplicationError
from core.pages import flash as _flash
from core.pages import form_errors as _form_errors
from core.permissions import can
from core.tables import Column, SortedTableMixin
from governance import cards, charts, evidence_pack, fairness, required_evidence, selectors, services, sso_signing
from governance.choices import ConcernSeverity, ConcernStatus, Decision, ReviewStatus
from governance.forms import (
    BiasUploadForm,
    ConcernCloseForm,
    ConcernForm,
    ConcernTriageForm,
    EmergencyDecisionForm,
    EmergencyRequestForm,
    FindingForm,
    ModelCardForm,
    MoveForm,
    PirCompleteForm,
    SignOffForm,
    answers_from,
    questionnaire_form,
)
from governance.models import FUNCTION_NAMES
from identity.services import signs_with_provider
from identity.views import start_reauthentication
from lifecycle import selectors as lifecycle_selectors
from lifecycle import services as lifecycle_services
from lifecycle.choices import Stage
from portfolio.models import UseCase


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
            missing_names=[FUNCTION_NAMES[f] for f in review.required_functions if f in progress.missing],
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
        if step in sso_signing.EMERGENCY_STEPS and valid and by_provider:
            return start_reauthentication(
                request,
                kind=sso_signing.EMERGENCY_STEPS[step],
                object_id=release.pk,
                payload={"text": text},
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
