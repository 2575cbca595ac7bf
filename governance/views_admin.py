"""Platform administration pages of governance: training records, review policies per tier, freeze windows.
Each reads through selectors and writes through one service; a service's refusal lands next to the field it
names, and nothing is half-saved."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.forms import refusal_on_form
from core.views import PermissionOr404Mixin
from governance import selectors, services
from governance.choices import Tier
from governance.forms import FreezeEndForm, FreezeWindowForm, ReviewPolicyForm, TrainingImportForm, TrainingRecordForm
from governance.models import ReviewPolicy
from governance.services import freeze_exemptions
from governance.services.training import IMPORT_COLUMNS, REMINDER_DAYS
from lifecycle import services as lifecycle_services
from lifecycle.models import FreezeWindow

# --- Training records -------------------------------------------------------------------------------------


class TrainingRecordsView(LoginRequiredMixin, PermissionOr404Mixin, TemplateView):
    """Record a training, see who can sign without current training, and the latest records."""

    template_name = "governance/training_records.html"
    required_permission = "governance.add_trainingrecord"

    def get_context_data(self, **kwargs):
        coverage = selectors.training_coverage()
        uncovered = {}
        for row in coverage:
            for holder in row.uncovered:
                uncovered.setdefault(holder.user.pk, (holder, []))[1].append(row.function)
        return super().get_context_data(
            form=kwargs.pop("form", None) or TrainingRecordForm(initial={"completed_on": timezone.localdate()}),
            coverage=coverage,
            uncovered=list(uncovered.values()),
            records=selectors.training_records_recent(),
            reminder_days=REMINDER_DAYS,
            today=timezone.localdate(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = TrainingRecordForm(request.POST)
        if form.is_valid():
            try:
                record = services.training_record_add(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                name = record.user.get_full_name() or record.user.get_username()
                messages.success(request, f"Training of {name} recorded, valid until {record.expires_on:%Y-%m-%d}.")
                return redirect("governance:training_records")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TrainingImportView(LoginRequiredMixin, PermissionOr404Mixin, TemplateView):
    """Import a learning system's CSV export: every row checked first, one bad row imports nothing."""

    template_name = "governance/training_import.html"
    required_permission = "governance.add_trainingrecord"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=kwargs.pop("form", None) or TrainingImportForm(), columns=IMPORT_COLUMNS, **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = TrainingImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = services.training_records_import(
                    actor=request.user, text=form.cleaned_data["text"], file_name=form.cleaned_data["file"].name
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message.partition(": ")[2] or exc.message)
                row_errors = (exc.details or {}).get("file", []) if isinstance(exc.details, dict) else []
                return self.render_to_response(self.get_context_data(form=form, row_errors=row_errors), status=400)
            skipped = f"; {len(report.already)} already on record, skipped" if report.already else ""
            messages.success(request, f"{report.recorded} training record(s) imported{skipped}.")
            return redirect("governance:training_records")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Review policies per tier --------------------------------------------------------------------------------


class ReviewPolicyListView(LoginRequiredMixin, TemplateView):
    """Each tier's current policy and its earlier versions (read by everyone; new versions by admins)."""

    template_name = "governance/review_policies.html"

    def get_context_data(self, **kwargs):
        policies = list(ReviewPolicy.objects.select_related("created_by").order_by("tier", "-version"))
        tiers = [
            {
                "code": code,
                "label": label,
                "versions": [p for p in policies if p.tier == code],
                "floor": services.FLOORS[code],
            }
            for code, label in Tier.choices
        ]
        return super().get_context_data(
            tiers=tiers, may_change=self.request.user.has_perm("governance.change_reviewpolicy"), **kwargs
        )


class ReviewPolicyCreateView(LoginRequiredMixin, PermissionOr404Mixin, TemplateView):
    """The next version of a tier's policy, starting from the version chosen (the current one, or an earlier one
    to bring back): the chosen version itself never changes."""

    template_name = "governance/review_policy_form.html"
    required_permission = "governance.change_reviewpolicy"

    def _base(self) -> ReviewPolicy:
        return get_object_or_404(ReviewPolicy, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        base = self._base()
        return super().get_context_data(
            base=base,
            tier_label=base.get_tier_display(),
            current=services.current_policy(base.tier),
            floor=services.FLOORS[base.tier],
            form=kwargs.pop("form", None) or ReviewPolicyForm(initial=ReviewPolicyForm.initial_from(base)),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        base = self._base()
        form = ReviewPolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = services.review_policy_update(actor=request.user, tier=base.tier, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"{policy} is now in force for new reviews of the tier.")
                return redirect("governance:review_policies")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Freeze windows -------------------------------------------------------------------------------------------


class FreezeWindowListView(LoginRequiredMixin, TemplateView):
    """Running, upcoming and past freeze windows; admins create and end them here."""

    template_name = "governance/freeze_windows.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        windows = list(FreezeWindow.objects.order_by("-start"))
        may_manage = self.request.user.has_perm("lifecycle.add_freezewindow")
        return super().get_context_data(
            running=[w for w in windows if w.start <= now < w.end],
            upcoming=sorted((w for w in windows if w.start > now), key=lambda w: w.start),
            past=[w for w in windows if w.end <= now][:20],
            may_manage=may_manage,
            exemptions=freeze_exemptions.freeze_exemptions_recent(user=self.request.user),
            form=kwargs.pop("form", None) or (FreezeWindowForm() if may_manage else None),
            end_form=FreezeEndForm(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("lifecycle.add_freezewindow"):
            raise Http404
        form = FreezeWindowForm(request.POST)
        if form.is_valid():
            try:
                window = lifecycle_services.freeze_window_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Freeze window “{window.name}” created.")
                return redirect("governance:freeze_windows")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FreezeWindowEndView(LoginRequiredMixin, View):
    """End a running freeze window now (POST only)."""

    def post(self, request, pk):
        if not request.user.has_perm("lifecycle.add_freezewindow"):
            raise Http404
        window = get_object_or_404(FreezeWindow, pk=pk)
        form = FreezeEndForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Reason: say why the freeze ends early; nothing was changed.")
            return redirect("governance:freeze_windows")
        try:
            lifecycle_services.freeze_window_end(actor=request.user, window=window, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Freeze window “{window.name}” ended.")
        return redirect("governance:freeze_windows")
