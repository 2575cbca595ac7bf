from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, ListView

from core.exceptions import ApplicationError
from core.permissions import require_model_perm
from portfolio import selectors, services
from portfolio.filters import UseCaseFilterSet
from portfolio.forms import UseCaseForm
from portfolio.models import UseCase


class UseCaseListView(LoginRequiredMixin, ListView):
    template_name = "portfolio/usecase_list.html"
    paginate_by = 25

    def get_queryset(self):
        self.filterset = UseCaseFilterSet(
            self.request.GET or None, queryset=selectors.use_case_list(user=self.request.user)
        )
        return self.filterset.qs

    def get_template_names(self):
        # htmx swaps only the table when a filter changes (see the hx-get on the filter form).
        return ["portfolio/partials/usecase_table.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filterset=self.filterset, query=query.urlencode(), **kwargs)


class UseCaseDetailView(LoginRequiredMixin, DetailView):
    template_name = "portfolio/usecase_detail.html"
    context_object_name = "use_case"

    def get_queryset(self):
        return selectors.use_case_list(user=self.request.user)


class UseCaseCreateView(LoginRequiredMixin, FormView):
    template_name = "portfolio/usecase_form.html"
    form_class = UseCaseForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("portfolio.add_usecase"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            require_model_perm(self.request.user, UseCase, "add", business_unit=form.cleaned_data["business_unit"])
            use_case = services.use_case_create(actor=self.request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{use_case.code} “{use_case.title}” was proposed.")
        return redirect("portfolio:usecase_detail", pk=use_case.pk)
