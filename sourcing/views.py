"""Sourcing pages: vendors, technology evaluations with their trials and decisions, approved standards. Read
through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from core.pages import create_then_show as _create_then_show
from core.pages import post_step as _post_step
from sourcing import selectors, services
from sourcing.choices import DueDiligence, EvaluationDecision, EvaluationStatus, StandardStatus, TechnologyCategory
from sourcing.forms import (
    DecideForm,
    EvaluationForm,
    ReasonForm,
    StandardEditForm,
    StandardForm,
    TrialCloseForm,
    TrialForm,
)


class VendorListView(LoginRequiredMixin, ListView):
    """Third-party AI vendors with their due diligence, lock-in risk and the models they supply."""

    template_name = "sourcing/vendor_list.html"
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
            may_manage=self.request.user.has_perm("sourcing.manage_vendor"),
            **kwargs,
        )


class VendorDetailView(LoginRequiredMixin, TemplateView):
    """One vendor: its clauses, exit strategy and the inventory models it supplies (those I may see)."""

    template_name = "sourcing/vendor_detail.html"

    def get_context_data(self, **kwargs):
        vendor = get_object_or_404(selectors.vendor_list(user=self.request.user), pk=self.kwargs["pk"])
        return super().get_context_data(
            vendor=vendor,
            supplied=vendor.visible_supplies,
            may_manage=self.request.user.has_perm("sourcing.manage_vendor"),
            **kwargs,
        )


class EvaluationListView(LoginRequiredMixin, ListView):
    """Tools and platforms evaluated: build or buy, licence, cost against benefit, lock-in, trials and the
    decision; evaluators propose new ones here."""

    template_name = "sourcing/evaluation_list.html"
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

        from sourcing.services.evaluations import MANAGE_PERM

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
            self, form, services.evaluation_create, "Evaluation recorded.", "sourcing:evaluation_detail"
        )


class EvaluationDetailView(LoginRequiredMixin, TemplateView):
    """One evaluation: its economics and lock-in, its sandbox trials, the decision and the standards it
    published; evaluators run trials, the review board decides and publishes."""

    template_name = "sourcing/evaluation_detail.html"

    def _evaluation(self):
        from sourcing.models import TechnologyEvaluation

        try:
            return selectors.evaluation_get(user=self.request.user, pk=self.kwargs["pk"])
        except TechnologyEvaluation.DoesNotExist as exc:
            raise Http404 from exc

    def _edit_form(self, evaluation, data=None):
        form = EvaluationForm(data, instance=evaluation if data is None else None)
        form.fields["vendor"].queryset = selectors.vendor_list(user=self.request.user)
        return form

    def get_context_data(self, **kwargs):
        from sourcing.services.evaluations import APPROVE_STANDARD_PERM, DECIDE_PERM, MANAGE_PERM

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
                return redirect("sourcing:standard_detail", pk=published[0].pk)
        else:
            messages.error(request, "step: choose edit, trial, close_trial, decide or publish.")
        return redirect("sourcing:evaluation_detail", pk=evaluation.pk)


class StandardListView(LoginRequiredMixin, ListView):
    """Approved standards and reference architectures, with their next review; the review board approves
    new ones here."""

    template_name = "sourcing/standard_list.html"
    context_object_name = "standards"
    paginate_by = 50

    def _status(self) -> str:
        status = self.request.GET.get("status", StandardStatus.APPROVED)
        return status if status in StandardStatus.values or status == "all" else StandardStatus.APPROVED

    def get_queryset(self):
        rows = selectors.standard_list(user=self.request.user)
        return rows if self._status() == "all" else rows.filter(status=self._status())

    def get_context_data(self, **kwargs):
        from sourcing.services.evaluations import APPROVE_STANDARD_PERM

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
            self, form, services.standard_approve, "Standard approved.", "sourcing:standard_detail"
        )


class StandardDetailView(LoginRequiredMixin, TemplateView):
    """One standard or reference architecture; the review board revises or retires it here."""

    template_name = "sourcing/standard_detail.html"

    def _standard(self):
        return get_object_or_404(selectors.standard_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        from sourcing.services.evaluations import APPROVE_STANDARD_PERM

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
        return redirect("sourcing:standard_detail", pk=standard.pk)
