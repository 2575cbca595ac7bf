"""Inventory pages: read through selectors, write through services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import ApplicationError
from core.permissions import can
from lifecycle import datasets, selectors, services
from lifecycle.forms import CatalogueImportForm, DatasetFilterForm, ProductionAtForm, VersionTransitionForm
from lifecycle.models import AIModel, Dataset, ModelVersion


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


class DatasetListView(LoginRequiredMixin, ListView):
    template_name = "lifecycle/dataset_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filters = DatasetFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return selectors.dataset_list(
            user=self.request.user, q=data.get("q", ""), sensitivity=data.get("sensitivity", "")
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filters=self.filters, query=query.urlencode(), **kwargs)


class DatasetDetailView(LoginRequiredMixin, TemplateView):
    template_name = "lifecycle/dataset_detail.html"

    def get_context_data(self, **kwargs):
        dataset = get_object_or_404(
            Dataset.objects.restrict(self.request.user, "view").select_related(
                "steward", "business_unit", "generated_from", "privacy_treatment__approved_by"
            ),
            pk=kwargs["pk"],
        )
        return super().get_context_data(
            dataset=dataset,
            schemas=dataset.schema_versions.select_related("registered_by"),
            lineage=selectors.dataset_lineage(user=self.request.user, dataset=dataset),
            derivatives=dataset.synthetic_derivatives.restrict(self.request.user, "view"),
            **kwargs,
        )


class CatalogueImportView(LoginRequiredMixin, View):
    template_name = "lifecycle/dataset_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CatalogueImportForm()})

    def post(self, request):
        form = CatalogueImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                importer = (
                    datasets.datasets_import_csv
                    if form.cleaned_data["format"] == "csv"
                    else datasets.datasets_import_openlineage
                )
                report = importer(actor=request.user, file_text=text)
            except UnicodeDecodeError:
                messages.error(request, "The file is not UTF-8 text.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
        if report and not report.errors:
            messages.success(
                request,
                f"Imported: {len(report.created)} new, {len(report.updated)} updated, "
                f"{len(report.schemas)} schema versions.",
            )
            return redirect("lifecycle:dataset_list")
        return render(request, self.template_name, {"form": form, "report": report})
