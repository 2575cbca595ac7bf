"""Exemptions from a freeze window: the request (from the version page's checklist) and the decision page, where
a review board member other than the requester approves or refuses with their password (or, for an account of the
identity provider, by re-authenticating there)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.forms import refusal_on_form
from governance import sso_signing
from governance.forms import FreezeExemptionDecisionForm, FreezeExemptionRequestForm
from governance.services import freeze_exemptions as exemptions
from identity.services import signs_with_provider
from identity.views import start_reauthentication
from lifecycle import gates
from lifecycle.choices import FREEZE_EXEMPTION_COLORS
from lifecycle.models import EmergencyApproval, ModelVersion


class FreezeExemptionRequestView(LoginRequiredMixin, TemplateView):
    """Whoever may move the version asks for an exemption from the running freeze, with a reason."""

    template_name = "governance/freeze_exemption_request.html"

    def _version(self):
        return get_object_or_404(
            ModelVersion.objects.restrict(self.request.user, "view").select_related("model"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        version = self._version()
        return super().get_context_data(
            version=version,
            freezes=gates.production_freezes(now=timezone.now()),
            may_request=exemptions.may_request(self.request.user, version),
            form=kwargs.pop("form", None) or FreezeExemptionRequestForm(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = FreezeExemptionRequestForm(request.POST)
        if form.is_valid():
            try:
                made = exemptions.freeze_exemption_request(
                    actor=request.user, version=self._version(), reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, "Exemption requested; the review board is told.")
                return redirect("governance:freeze_exemption_detail", pk=made.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FreezeExemptionDetailView(LoginRequiredMixin, TemplateView):
    """One exemption: who asked, why, for which window; approve or refuse it here (review board, not the
    requester), with the password or a re-authentication at the identity provider."""

    template_name = "governance/freeze_exemption_detail.html"

    def _exemption(self):
        visible = EmergencyApproval.objects.restrict(self.request.user, "view").select_related(
            "version__model", "requested_by", "approved_by", "window"
        )
        return get_object_or_404(visible, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        exemption = self._exemption()
        user = self.request.user
        status = exemptions.effective_status(exemption)
        by_provider = signs_with_provider(user)
        return super().get_context_data(
            exemption=exemption,
            version=exemption.version,
            status=status,
            color=FREEZE_EXEMPTION_COLORS.get(status, "grey"),
            may_decide=status == "requested"
            and user.has_perm(exemptions.APPROVER_PERM)
            and user.pk != exemption.requested_by_id,
            form=kwargs.pop("form", None) or FreezeExemptionDecisionForm(by_provider=by_provider),
            signs_with_provider=by_provider,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        exemption = self._exemption()
        by_provider = signs_with_provider(request.user)
        form = FreezeExemptionDecisionForm(request.POST, by_provider=by_provider)
        step = request.POST.get("step")
        if form.is_valid() and step in sso_signing.FREEZE_EXEMPTION_STEPS and by_provider:
            return start_reauthentication(
                request,
                kind=sso_signing.FREEZE_EXEMPTION_STEPS[step],
                object_id=exemption.pk,
                payload={"text": form.cleaned_data["text"]},
                return_url=request.path,
            )
        if form.is_valid() and step in ("approve", "refuse"):
            text, password = form.cleaned_data["text"], form.cleaned_data.get("password", "")
            try:
                if step == "approve":
                    exemptions.freeze_exemption_approve(
                        actor=request.user, exemption=exemption, comment=text, password=password
                    )
                else:
                    exemptions.freeze_exemption_refuse(
                        actor=request.user, exemption=exemption, reason=text, password=password
                    )
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, "Approved." if step == "approve" else "Refused; the requester is told.")
                return redirect("governance:freeze_exemption_detail", pk=exemption.pk)
        elif step not in ("approve", "refuse"):
            form.add_error(None, "Choose approve or refuse.")
        return self.render_to_response(self.get_context_data(form=form), status=400)
