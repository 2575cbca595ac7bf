"""Inventory pages: read through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import ApplicationError
from core.permissions import can
from lifecycle import selectors, services
from lifecycle.forms import ProductionAtForm, VersionTransitionForm
from lifecycle.models import AIModel, ModelVersion


class ModelListView(LoginRequiredMixin, ListView):
    template_name = "lifecycle/model_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.model_list(user=self.request.user)


class ModelDetailView(LoginRequiredMixin, TemplateView):
    template_name = "lifecycle/model_detail.html"

    def get_context_data(self, **kwargs):
        try:
            model = selectors.model_detail(user=self.request.user, pk=kwargs["pk"])
        except AIModel.DoesNotExist:
            raise Http404 from None
        at_form = ProductionAtForm(self.request.GET or None)
        production_at = (
            selectors.production_version_at(model=model, at=at_form.cleaned_data["at"]) if at_form.is_valid() else None
        )
        versions = [(v, VersionTransitionForm(version=v)) for v in model.versions.all()]
        return super().get_context_data(
            model=model,
            versions=versions,
            may_change=can(self.request.user, "change", model),
            at_form=at_form,
            production_at=production_at,
            **kwargs,
        )


class VersionTransitionView(LoginRequiredMixin, View):
    def post(self, request, pk):
        version = get_object_or_404(ModelVersion.objects.restrict(request.user, "view"), pk=pk)
        form = VersionTransitionForm(request.POST, version=version)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                moved = services.model_version_transition(
                    actor=request.user,
                    version=version,
                    to_stage=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, f"{moved} is now {moved.get_stage_display().lower()}.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("lifecycle:model_detail", pk=version.model_id)
