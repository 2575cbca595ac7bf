"""Alert rule pages: list, create, edit, disable and enable, each through one service."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.forms import refusal_on_form
from core.permissions import can
from monitoring import selectors, services
from monitoring.forms import AlertRuleForm, RuleDisableForm


def _may_change(user, rule) -> bool:
    return user.has_perm("monitoring.change_alertrule") and can(user, "view", rule)


class AlertRuleListView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/alert_rule_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            rules=selectors.alert_rule_list(user=user).order_by("-active", "name"),
            may_add=user.has_perm("monitoring.add_alertrule"),
            may_change=user.has_perm("monitoring.change_alertrule"),
            disable_form=RuleDisableForm(),
            **kwargs,
        )


class AlertRuleCreateView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/alert_rule_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("monitoring.add_alertrule"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or AlertRuleForm(user=self.request.user)
        return super().get_context_data(form=form, rule=None, **kwargs)

    def post(self, request, *args, **kwargs):
        form = AlertRuleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                rule = services.alert_rule_create(actor=request.user, **form.service_fields())
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Alert rule “{rule.name}” created: it judges the next points synced.")
                return redirect("monitoring:alert_rule_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AlertRuleEditView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring/alert_rule_form.html"

    def _rule(self):
        rule = get_object_or_404(selectors.alert_rule_list(user=self.request.user), pk=self.kwargs["pk"])
        if not _may_change(self.request.user, rule):
            raise Http404
        return rule

    def get_context_data(self, **kwargs):
        rule = self._rule()
        form = kwargs.pop("form", None) or AlertRuleForm(
            user=self.request.user, initial=AlertRuleForm.initial_from(rule)
        )
        return super().get_context_data(form=form, rule=rule, **kwargs)

    def post(self, request, *args, **kwargs):
        rule = self._rule()
        form = AlertRuleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.alert_rule_update(actor=request.user, rule=rule, **form.service_fields())
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, f"Alert rule “{form.cleaned_data['name']}” saved.")
                return redirect("monitoring:alert_rule_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AlertRuleActiveView(LoginRequiredMixin, View):
    """Disable or enable a rule (POST only), with the reason."""

    def post(self, request, pk):
        rule = get_object_or_404(selectors.alert_rule_list(user=request.user), pk=pk)
        if not _may_change(request.user, rule):
            raise Http404
        form = RuleDisableForm(request.POST)
        active = request.POST.get("active") == "1"
        if not form.is_valid():
            messages.error(
                request, "Why: say why the rule is " + ("enabled" if active else "disabled") + "; nothing changed."
            )
            return redirect("monitoring:alert_rule_list")
        try:
            services.alert_rule_set_active(
                actor=request.user, rule=rule, active=active, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Alert rule “{rule.name}” {'enabled' if active else 'disabled'}.")
        return redirect("monitoring:alert_rule_list")
