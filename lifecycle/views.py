"""Inventory pages: read through selectors, write through services."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views import View
from django.views.generic import ListView, TemplateView

from core import tokens
from core.exceptions import ApplicationError
from core.filters import FilteredListMixin
from core.forms import refusal_on_form
from core.page_cache import CachedPageMixin
from core.permissions import can
from core.tables import Column, SortedTableMixin, person_name
from lifecycle import calendar, datasets, decommissioning, discovery, gates, mlflow_client, panels, selectors, services
from lifecycle.choices import Stage
from lifecycle.filters import ModelVersionFilterSet
from lifecycle.forms import (
    CatalogueImportForm,
    ConsumerForm,
    DatasetFilterForm,
    DatasetForm,
    DecommissionChecklistForm,
    DecommissionPlanForm,
    DeploymentForm,
    HandoverForm,
    MlflowRegistrationForm,
    ModelFilterForm,
    PrivacyTreatmentForm,
    ProductionAtForm,
    ProposalDecisionForm,
    RaciEntryForm,
    ReasonForm,
    SignatureBreakForm,
    VersionDataLinkForm,
    VersionTransitionForm,
)
from lifecycle.models import AIModel, Dataset, DecommissionPlan, ModelVersion


class ModelListView(LoginRequiredMixin, CachedPageMixin, SortedTableMixin, ListView):
    template_name = "lifecycle/model_list.html"
    paginate_by = 50
    columns = (
        Column("model", "Model", ("name",), "name"),
        Column("use_case", "Use case", ("use_case__number",), "use_case.code"),
        Column("unit", "Unit", ("use_case__business_unit__code",), "use_case.business_unit.code"),
        Column("mlflow", "MLflow", ("mlflow_name",), "mlflow_name"),
        Column("versions", "Versions", ("n_versions",), "n_versions", num=True),
        Column("production", "In production", ("n_production",), "n_production", num=True),
    )
    export_filename = "lodestar-models.csv"

    def get_queryset(self):
        self.filters = ModelFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return self.sorted(
            selectors.filtered_model_list(user=self.request.user, **{k: v for k, v in data.items() if v})
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        context = super().get_context_data(filters=self.filters, query=query.urlencode(), **kwargs)
        # Badges higher apps register (monitoring's health), for the models of this page only.
        badges = panels.model_badges(user=self.request.user, model_ids=[m.pk for m in context["object_list"]])
        for model in context["object_list"]:
            model.badges = badges.get(model.pk, [])
        return context


class VersionListView(LoginRequiredMixin, FilteredListMixin, SortedTableMixin, ListView):
    """Model versions across the inventory, filtered; the lifecycle chart's version bars open it."""

    template_name = "lifecycle/version_list.html"
    paginate_by = 50
    filterset_class = ModelVersionFilterSet
    columns = (
        Column("model", "Model", ("model__name",), "model.name"),
        Column("version", "Version", ("version",), "version"),
        Column("stage", "Stage", ("stage",), "get_stage_display"),
        Column("use_case", "Use case", ("model__use_case__number",), "model.use_case.code"),
        Column("unit", "Unit", ("model__use_case__business_unit__code",), "model.use_case.business_unit.code"),
        Column("registered", "Registered", ("created_at",), lambda v: v.created_at.date()),
    )
    export_filename = "lodestar-model-versions.csv"

    def get_queryset(self):
        return self.sorted(self.filtered(selectors.version_list(user=self.request.user)))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.filter_context(), **kwargs)


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
        plans = model.decommission_plans.select_related("version", "replacement").order_by("-created_at")
        return super().get_context_data(
            model=model,
            consumers=model.consumers.select_related("contact"),
            plans=plans,
            retired=next((p for p in plans if p.status == "retired" and p.version_id is None), None),
            open_plan=any(p.status in decommissioning.OPEN and p.version_id is None for p in plans),
            versions=versions,
            may_change=can(self.request.user, "change", model),
            # A grant opens the model, not its use case: the page then names no hidden use case (T26).
            use_case_visible=can(self.request.user, "view", model.use_case),
            at_form=at_form,
            production_at=production_at,
            panels=panels.model_panels(request=self.request, model=model),
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
                messages.error(request, refusal_message(version, exc))
        if request.POST.get("back") == "version":
            return redirect("lifecycle:version_detail", pk=version.pk)
        return redirect("lifecycle:model_detail", pk=version.model_id)


class DatasetListView(LoginRequiredMixin, SortedTableMixin, ListView):
    template_name = "lifecycle/dataset_list.html"
    paginate_by = 50
    columns = (
        Column("dataset", "Dataset", ("name",), "name"),
        Column("source", "Source", ("source_system",), "source_system"),
        Column("steward", "Steward", ("steward__last_name", "steward__username"), lambda d: person_name(d.steward)),
        Column("sensitivity", "Sensitivity", ("sensitivity",), "get_sensitivity_display"),
        Column("mode", "Mode", ("mode",), "get_mode_display"),
        Column("complete", "Complete", ("completeness",), "completeness", num=True),
        Column("schemas", "Schemas", ("n_schemas",), "n_schemas", num=True),
        Column("versions", "Live versions", ("n_versions",), "n_versions", num=True),
    )
    export_filename = "lodestar-datasets.csv"

    def get_queryset(self):
        self.filters = DatasetFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return self.sorted(
            selectors.dataset_list(user=self.request.user, q=data.get("q", ""), sensitivity=data.get("sensitivity", ""))
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filters=self.filters, query=query.urlencode(), **kwargs)


class DatasetDetailView(LoginRequiredMixin, TemplateView):
    """A dataset, its lineage and schemas; for restricted personal data, its privacy treatment and the form by
    which an independent privacy approver records (and so approves) it."""

    template_name = "lifecycle/dataset_detail.html"

    def _dataset(self, pk):
        return get_object_or_404(
            Dataset.objects.restrict(self.request.user, "view").select_related(
                "steward", "business_unit", "generated_from", "privacy_treatment__approved_by"
            ),
            pk=pk,
        )

    def get_context_data(self, **kwargs):
        dataset = self._dataset(kwargs["pk"])
        user = self.request.user
        treatment = getattr(dataset, "privacy_treatment", None)
        initial = (
            {f: getattr(treatment, f) for f in ("method", "technique", "dp_epsilon", "dp_delta")} if treatment else {}
        )
        kwargs.setdefault("privacy_form", PrivacyTreatmentForm(initial=initial))
        return super().get_context_data(
            dataset=dataset,
            schemas=dataset.schema_versions.select_related("registered_by"),
            lineage=selectors.dataset_lineage(user=user, dataset=dataset),
            derivatives=dataset.synthetic_derivatives.restrict(user, "view"),
            # The service decides; the page only hides a form its reader would be refused.
            may_approve_privacy=user.has_perm("lifecycle.add_privacytreatment") and dataset.steward_id != user.pk,
            **kwargs,
        )

    def post(self, request, pk):
        dataset = self._dataset(pk)
        form = PrivacyTreatmentForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in ("method", "technique") or v is not None}
            try:
                treatment = datasets.privacy_treatment_record(actor=request.user, dataset=dataset, **data)
                messages.success(
                    request, f"{treatment.get_method_display()} of {dataset} approved: its versions may go to review."
                )
                return redirect(f"{reverse('lifecycle:dataset_detail', args=[dataset.pk])}#privacy")
            except ApplicationError as exc:
                refusal_on_form(form, exc)
        return self.render_to_response(self.get_context_data(pk=pk, privacy_form=form), status=400)


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


class DecommissionListView(LoginRequiredMixin, ListView):
    template_name = "lifecycle/decommission_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.decommission_list(user=self.request.user)


class DecommissionCreateView(LoginRequiredMixin, View):
    template_name = "lifecycle/decommission_form.html"

    def _model(self, request, pk):
        return get_object_or_404(AIModel.objects.restrict(request.user, "view"), pk=pk)

    def get(self, request, pk):
        model = self._model(request, pk)
        form = DecommissionPlanForm(model=model, user=request.user)
        return render(request, self.template_name, {"model": model, "form": form})

    def post(self, request, pk):
        model = self._model(request, pk)
        form = DecommissionPlanForm(request.POST, model=model, user=request.user)
        if form.is_valid():
            try:
                plan = decommissioning.decommission_plan_create(actor=request.user, model=model, **form.cleaned_data)
                messages.success(request, "Plan drafted: it needs the owner's and an independent validator's approval.")
                return redirect("lifecycle:decommission_detail", pk=plan.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return render(request, self.template_name, {"model": model, "form": form})


class DecommissionDetailView(LoginRequiredMixin, View):
    """The plan with its approvals, consumers, checklist and the next step; every button calls a service."""

    template_name = "lifecycle/decommission_detail.html"
    STEPS = {
        "approve_owner": lambda actor, plan, post: decommissioning.decommission_plan_approve(
            actor=actor, plan=plan, as_role="owner"
        ),
        "approve_validator": lambda actor, plan, post: decommissioning.decommission_plan_approve(
            actor=actor, plan=plan, as_role="validator"
        ),
        "approve_function": lambda actor, plan, post: decommissioning.decommission_plan_approve(
            actor=actor, plan=plan, as_role=post.get("function", "")
        ),
        "announce": lambda actor, plan, post: decommissioning.decommission_plan_announce(actor=actor, plan=plan),
        "retire": lambda actor, plan, post: decommissioning.decommission_retire(actor=actor, plan=plan),
        "cancel": lambda actor, plan, post: decommissioning.decommission_plan_cancel(
            actor=actor, plan=plan, reason=post.get("reason", "")
        ),
        "acknowledge": lambda actor, plan, post: decommissioning.consumer_notice_acknowledge(
            actor=actor, notice=get_object_or_404(plan.notices, pk=post.get("notice")), note=post.get("note", "")
        ),
    }

    def _plan(self, request, pk):
        return get_object_or_404(
            DecommissionPlan.objects.restrict(request.user, "view")
            .select_related("model__use_case", "version", "replacement", "owner_approved_by", "validator_approved_by")
            .prefetch_related("notices__consumer", "function_approvals__approved_by"),
            pk=pk,
        )

    def _render(self, request, plan, checklist=None):
        return render(
            request,
            self.template_name,
            {
                "plan": plan,
                "notices": plan.notices.select_related("consumer__contact", "acknowledged_by"),
                "missing": decommissioning.checklist_missing(plan),
                "functions": _function_rows(request.user, plan),
                "checklist": checklist
                or DecommissionChecklistForm(initial={f: getattr(plan, f) for f in decommissioning.CHECKLIST_FIELDS}),
                "may_change": can(request.user, "change", plan.model),
            },
        )

    def get(self, request, pk):
        return self._render(request, self._plan(request, pk))

    def post(self, request, pk):
        plan = self._plan(request, pk)
        step = request.POST.get("step", "")
        try:
            if step == "checklist":
                form = DecommissionChecklistForm(request.POST)
                if not form.is_valid():
                    return self._render(request, plan, checklist=form)
                decommissioning.decommission_checklist_update(actor=request.user, plan=plan, **form.cleaned_data)
                messages.success(request, "Checklist saved.")
            elif step in self.STEPS:
                self.STEPS[step](request.user, plan, request.POST)
                messages.success(request, "Done.")
            else:
                messages.error(request, "Unknown step.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("lifecycle:decommission_detail", pk=plan.pk)


def _function_rows(user, plan: DecommissionPlan) -> list[dict]:
    """Each review-board function the plan needs, who approved it, and whether this user may approve it."""
    approvals = {a.function: a for a in plan.function_approvals.all()}
    return [
        {**f, "approval": approvals.get(f["code"]), "may_approve": user.has_perm(f["permission"])}
        for f in plan.required_functions
    ]


class LessonsLearnedView(LoginRequiredMixin, ListView):
    template_name = "lifecycle/lessons.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.lessons_learned(user=self.request.user, q=self.request.GET.get("q", "").strip()[:200])


class MlflowRegistrationView(LoginRequiredMixin, View):
    """Register a version straight from MLflow: name the registered model and version, pick the use case."""

    template_name = "lifecycle/register.html"

    def get(self, request):
        initial = {k: request.GET[k] for k in ("mlflow_name", "mlflow_version", "use_case") if k in request.GET}
        form = MlflowRegistrationForm(initial=initial, user=request.user)
        return render(request, self.template_name, {"form": form, "status": mlflow_client.server_status()})

    def post(self, request):
        form = MlflowRegistrationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                version = services.model_version_import(actor=request.user, **form.cleaned_data)
                messages.success(request, f"Registered {version} from MLflow with its metrics, params and signature.")
                return redirect("lifecycle:model_detail", pk=version.model_id)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return render(request, self.template_name, {"form": form, "status": None})


class ProposalListView(LoginRequiredMixin, ListView):
    template_name = "lifecycle/proposals.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.proposal_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(decision=ProposalDecisionForm(user=self.request.user), **kwargs)


class ProposalDecisionView(LoginRequiredMixin, View):
    def post(self, request, pk):
        proposal = get_object_or_404(selectors.proposal_list(user=request.user), pk=pk)
        form = ProposalDecisionForm(request.POST, user=request.user)
        form.is_valid()
        data = form.cleaned_data
        try:
            if request.POST.get("decision") == "accept":
                version = discovery.proposal_accept(
                    actor=request.user, proposal=proposal, use_case=data.get("use_case")
                )
                messages.success(request, f"Registered {version}.")
                return redirect("lifecycle:model_detail", pk=version.model_id)
            discovery.proposal_dismiss(actor=request.user, proposal=proposal, reason=data.get("reason", ""))
            messages.success(request, f"Dismissed {proposal}.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("lifecycle:proposal_list")


class HandoverView(LoginRequiredMixin, View):
    template_name = "lifecycle/handover.html"

    def _model(self, request, pk):
        return get_object_or_404(AIModel.objects.restrict(request.user, "view").prefetch_related("owners"), pk=pk)

    def get(self, request, pk):
        return render(request, self.template_name, {"model": self._model(request, pk), "form": HandoverForm()})

    def post(self, request, pk):
        model = self._model(request, pk)
        form = HandoverForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.model_ownership_handover(
                    actor=request.user,
                    model=model,
                    new_owners=data["owners"],
                    checklist={key: data[key] for key in services.HANDOVER_CHECKLIST},
                    reason=data["reason"],
                )
                messages.success(request, "Ownership handed over; the old and new owners were told.")
                return redirect("lifecycle:model_detail", pk=model.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return render(request, self.template_name, {"model": model, "form": form})


class CalendarView(LoginRequiredMixin, TemplateView):
    """The next 90 days (or the month asked for) of freezes, sunsets, reviews and expiries."""

    template_name = "lifecycle/calendar.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        try:
            start = date.fromisoformat(self.request.GET.get("from", "")) if self.request.GET.get("from") else today
        except ValueError:
            start = today
        end = start + timedelta(days=90)
        events = calendar.calendar_events(user=self.request.user, start=start, end=end)
        feed = self.request.build_absolute_uri(
            reverse("lifecycle:calendar_feed", args=[calendar.feed_token(self.request.user)])
        )
        return super().get_context_data(
            events=events,
            start=start,
            end=end,
            previous=(start - timedelta(days=90)).isoformat(),
            following=end.isoformat(),
            feed_url=feed,
            **kwargs,
        )


class CalendarFeedRotateView(LoginRequiredMixin, View):
    """A new secret feed link: calendar apps subscribed with the old one stop receiving the calendar."""

    def post(self, request):
        tokens.calendar_feed_rotate(user=request.user, actor=request.user, reason="rotated on request")
        messages.success(
            request, "Your calendar feed has a new address; the old one no longer works. Subscribe again with it."
        )
        return redirect("lifecycle:calendar")


def calendar_feed(request, token):
    """iCalendar feed for calendar apps, which cannot sign in: the signed token in the URL names the user."""
    user = calendar.feed_user(token)
    if user is None:
        raise Http404
    today = timezone.localdate()
    events = calendar.calendar_events(user=user, start=today - timedelta(days=30), end=today + timedelta(days=365))
    response = HttpResponse(calendar.to_ical(events, site_url=settings.SITE_URL), content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="lodestar.ics"'
    return response


# --- The data scientist's journey: a version's page, its data and deployment, consumers and people ---------


def _version(request, pk):
    return get_object_or_404(
        ModelVersion.objects.restrict(request.user, "view").select_related("model__use_case", "submitted_by"), pk=pk
    )


def refusal_message(version, exc: ApplicationError):
    """A refused move, naming each failed gate with a link to the page that fixes it."""
    failed = exc.details.get("failed_gates", []) if isinstance(exc.details, dict) else []
    if not failed:
        return exc.message
    target = exc.message.split(":", 1)[0]
    rows = format_html_join(
        "",
        "<li><strong>{}</strong>: {} {}</li>",
        (
            (gate, detail, format_html('<a href="{}">{} →</a>', url, label) if url else "")
            for gate, detail, label, url in selectors.refusal_fixes(version, failed)
        ),
    )
    return format_html('{}: these gates stand in the way.<ul class="refusal">{}</ul>', target, rows)


class VersionDetailView(LoginRequiredMixin, TemplateView):
    """One version: what it is, its data and deployments, and what stands before production."""

    template_name = "lifecycle/version_detail.html"

    def get_context_data(self, **kwargs):
        version = _version(self.request, kwargs["pk"])
        production = gates.production_version(version)
        kwargs.setdefault("break_form", SignatureBreakForm())
        return super().get_context_data(
            version=version,
            model=version.model,
            links=version.dataset_links.select_related("dataset", "schema_version"),
            deployments=version.deployments.select_related("deployed_by"),
            checklist=selectors.gate_checklist(version, self.request.user),
            move_form=VersionTransitionForm(version=version),
            may_change=can(self.request.user, "change", version.model),
            data_open=version.stage in (Stage.REGISTERED, Stage.IN_VALIDATION),
            production=production,
            signature_breaks=gates.signature_breaks(version, production) if production else [],
            owners=version.model.owners.order_by("first_name", "last_name"),
            **kwargs,
        )

    def post(self, request, pk):
        """Acknowledge an input signature that production's callers do not send (the service says who may)."""
        version = _version(request, pk)
        form = SignatureBreakForm(request.POST)
        if form.is_valid():
            try:
                services.model_version_acknowledge_break(
                    actor=request.user, version=version, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "Break acknowledged: the consumers and owners were told.")
                return redirect(f"{reverse('lifecycle:version_detail', args=[version.pk])}#signature-break")
            except ApplicationError as exc:
                refusal_on_form(form, exc)
        return self.render_to_response(self.get_context_data(pk=pk, break_form=form), status=400)


class VersionDataView(LoginRequiredMixin, View):
    """Link the data a version was trained and evaluated on, with its exact revision; register a dataset that
    the catalogue lacks; take back a wrong link."""

    template_name = "lifecycle/version_data.html"

    def _render(self, request, version, link_form=None, dataset_form=None, status=200):
        return render(
            request,
            self.template_name,
            {
                "version": version,
                "links": version.dataset_links.select_related("dataset"),
                "link_form": link_form or VersionDataLinkForm(user=request.user, initial=self._initial(request)),
                "dataset_form": dataset_form or DatasetForm(prefix="new"),
                "unlink_form": ReasonForm(),
                "data_open": version.stage in (Stage.REGISTERED, Stage.IN_VALIDATION),
            },
            status=status,
        )

    @staticmethod
    def _initial(request):
        return {k: request.GET[k] for k in ("dataset", "role") if request.GET.get(k)}

    def get(self, request, pk):
        return self._render(request, _version(request, pk))

    def post(self, request, pk):
        version = _version(request, pk)
        step = request.POST.get("step", "link")
        if step == "register":
            form = DatasetForm(request.POST, prefix="new")
            if form.is_valid():
                try:
                    dataset = datasets.dataset_register(actor=request.user, **form.cleaned_data)
                    messages.success(request, f"{dataset} is in the catalogue: now link it with its revision.")
                    return redirect(f"{reverse('lifecycle:version_data', args=[version.pk])}?dataset={dataset.pk}")
                except ApplicationError as exc:
                    refusal_on_form(form, exc)
            return self._render(request, version, dataset_form=form, status=400)
        if step == "unlink":
            link = get_object_or_404(version.dataset_links, pk=request.POST.get("link"))
            form = ReasonForm(request.POST)
            try:
                if not form.is_valid():
                    raise ApplicationError("reason: say why the version did not use this data.")
                datasets.version_dataset_unlink(actor=request.user, link=link, reason=form.cleaned_data["reason"])
                messages.success(request, f"{link.dataset} is no longer linked; the version's digest changed.")
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return redirect("lifecycle:version_data", pk=version.pk)
        form = VersionDataLinkForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                link = datasets.version_dataset_link(actor=request.user, version=version, **form.cleaned_data)
                messages.success(
                    request, f"{link.dataset} linked as {link.get_role_display().lower()} data at {link.revision}."
                )
                return redirect("lifecycle:version_data", pk=version.pk)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
        return self._render(request, version, link_form=form, status=400)


class DatasetEditView(LoginRequiredMixin, View):
    template_name = "lifecycle/dataset_form.html"

    def _dataset(self, request, pk):
        return get_object_or_404(Dataset.objects.restrict(request.user, "view"), pk=pk)

    def get(self, request, pk):
        dataset = self._dataset(request, pk)
        initial = {f: getattr(dataset, f) for f in DatasetForm.base_fields if f != "name"}
        form = DatasetForm(initial=initial, editing=True)
        return render(request, self.template_name, {"dataset": dataset, "form": form})

    def post(self, request, pk):
        dataset = self._dataset(request, pk)
        form = DatasetForm(request.POST, editing=True)
        if form.is_valid():
            try:
                datasets.dataset_update(actor=request.user, dataset=dataset, **form.cleaned_data)
                messages.success(request, f"{dataset} updated.")
                return redirect("lifecycle:dataset_detail", pk=dataset.pk)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
        return render(request, self.template_name, {"dataset": dataset, "form": form}, status=400)


class DeploymentRecordView(LoginRequiredMixin, View):
    """Where and how the version will run: the production deployment gate asks for it."""

    template_name = "lifecycle/deployment_form.html"

    def get(self, request, pk):
        version = _version(request, pk)
        form = DeploymentForm(initial={"image_digest": version.image_digest, "environment": "production"})
        return render(request, self.template_name, {"version": version, "form": form})

    def post(self, request, pk):
        version = _version(request, pk)
        form = DeploymentForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                deployment = services.deployment_record(actor=request.user, version=version, **data)
                messages.success(
                    request,
                    f"{deployment.get_environment_display()} deployment on {deployment.target_platform} recorded.",
                )
                return redirect("lifecycle:version_detail", pk=version.pk)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
        return render(request, self.template_name, {"version": version, "form": form}, status=400)


class ModelPeopleView(LoginRequiredMixin, View):
    """Who calls the model (downstream consumers), who is responsible for it (the RACI of its use case), and
    the change actions that bring its users along; every button calls a service."""

    template_name = "lifecycle/model_people.html"

    def _model(self, request, pk):
        return get_object_or_404(AIModel.objects.restrict(request.user, "view").select_related("use_case"), pk=pk)

    def _render(self, request, model, consumer_form=None, raci_form=None, status=200):
        use_case = model.use_case
        return render(
            request,
            self.template_name,
            {
                "model": model,
                "use_case": use_case,
                "consumers": model.consumers.select_related("contact"),
                "raci": use_case.raci.select_related("person").order_by("role", "person__last_name"),
                "change_actions": use_case.change_actions.select_related("owner"),
                "consumer_form": consumer_form or ConsumerForm(),
                "raci_form": raci_form or RaciEntryForm(),
                "reason_form": ReasonForm(),
                "may_change_model": can(request.user, "change", model),
                "may_change_use_case": can(request.user, "change", use_case),
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(request, self._model(request, pk))

    def post(self, request, pk):
        from portfolio import services as portfolio_services
        from portfolio.models import RaciRole

        model = self._model(request, pk)
        step = request.POST.get("step", "")
        try:
            if step == "consumer_add":
                form = ConsumerForm(request.POST)
                if not form.is_valid():
                    return self._render(request, model, consumer_form=form, status=400)
                try:
                    consumer = decommissioning.consumer_register(actor=request.user, model=model, **form.cleaned_data)
                except ApplicationError as exc:
                    refusal_on_form(form, exc)
                    return self._render(request, model, consumer_form=form, status=400)
                messages.success(request, f"{consumer.system} recorded as a consumer.")
            elif step == "consumer_remove":
                consumer = get_object_or_404(model.consumers, pk=request.POST.get("consumer"))
                services.consumer_remove(actor=request.user, consumer=consumer, reason=request.POST.get("reason", ""))
                messages.success(request, f"{consumer.system} is no longer recorded as a consumer.")
            elif step == "raci_add":
                form = RaciEntryForm(request.POST)
                if not form.is_valid():
                    return self._render(request, model, raci_form=form, status=400)
                entry = portfolio_services.raci_assign(actor=request.user, use_case=model.use_case, **form.cleaned_data)
                messages.success(
                    request,
                    f"{entry.person.get_full_name() or entry.person} is now {RaciRole(entry.role).label.lower()}.",
                )
            elif step == "raci_remove":
                entry = get_object_or_404(model.use_case.raci, pk=request.POST.get("entry"))
                portfolio_services.raci_remove(actor=request.user, entry=entry)
                messages.success(
                    request,
                    f"{entry.person.get_full_name() or entry.person} is no longer "
                    f"{RaciRole(entry.role).label.lower()}.",
                )
            elif step == "change_done":
                action = get_object_or_404(model.use_case.change_actions, pk=request.POST.get("action"))
                portfolio_services.change_action_complete(actor=request.user, action=action)
                messages.success(request, f"{action.get_kind_display()} marked done.")
            else:
                messages.error(request, "Unknown step.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("lifecycle:model_people", pk=model.pk)


class IncidentListView(LoginRequiredMixin, SortedTableMixin, ListView):
    """What went wrong in production and what was done (rollbacks, emergency releases), on visible models.

    Incidents are opened by the services that act on them (rollback, emergency release), never typed in."""

    template_name = "lifecycle/incident_list.html"
    paginate_by = 25
    columns = (
        Column("when", "When", ("created_at",), "created_at"),
        Column("model", "Model", ("model__name",), "model.name"),
        Column("use_case", "Use case", (), "model.use_case.code"),
        Column("kind", "Kind", ("kind",), "kind_label"),
        Column("what", "What happened", (), "description"),
        Column("by", "Opened by", ("opened_by__last_name", "opened_by__username"), lambda i: person_name(i.opened_by)),
    )
    default_sort = "-when"
    export_filename = "lodestar-incidents.csv"

    def get_queryset(self):
        kind = self.request.GET.get("kind", "").strip()[:30]
        return self.sorted(selectors.incident_list(user=self.request.user, kind=kind))

    def get_context_data(self, **kwargs):
        kinds = selectors.incident_list(user=self.request.user).values_list("kind", flat=True).distinct()
        return super().get_context_data(
            kinds=[(k, k.replace("_", " ").capitalize()) for k in sorted(set(kinds))],
            kind=self.request.GET.get("kind", "").strip()[:30],
            **kwargs,
        )
