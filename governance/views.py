"""Governance pages: read through selectors, write through services."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class ReviewDetailView(LoginRequiredMixin, TemplateView):
    template_name = "governance/review_detail.html"
