"""The header's global search: use cases, models, versions, reviews and datasets by code, name or MLflow name.

It lives with the dashboards because it reads every app's selectors (only the top layer may). Each kind starts
from its app's selector, so it shows only what the reader may see; each kind costs two queries (the first rows
and the count) whatever the data, so the page's query count is flat.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.urls import reverse
from django.views.generic import TemplateView

from governance import selectors as governance
from lifecycle import selectors as lifecycle
from portfolio import selectors as portfolio

MAX_QUERY = 100
PER_KIND = 20
# "credit-scoring v3", "credit-scoring 3": a model's name followed by a version.
_VERSION_SUFFIX = re.compile(r"^(?P<model>.+?)\s+v?(?P<version>\d+)$", re.IGNORECASE)
# "UC-007", "uc7": a use case by its code (the code is its number, formatted).
_USE_CASE_CODE = re.compile(r"^uc-?\s*(?P<number>\d+)$", re.IGNORECASE)
# "#12", "review 12": a review by its number.
_REVIEW_NUMBER = re.compile(r"^(?:review\s*)?#?\s*(?P<pk>\d+)$", re.IGNORECASE)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        max_length=MAX_QUERY,
        error_messages={"max_length": f"A search is at most {MAX_QUERY} characters: shorten it."},
    )


@dataclass(frozen=True)
class Hit:
    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Group:
    kind: str
    hits: list[Hit]
    total: int
    more_url: str = ""


def _use_case_number(q: str) -> int | None:
    match = _USE_CASE_CODE.match(q)
    return int(match["number"]) if match else None


def _use_cases(user, q):
    where = Q(title__icontains=q)
    if (number := _use_case_number(q)) is not None:
        where |= Q(number=number)
    rows = portfolio.use_case_list(user=user).filter(where)
    return rows.order_by("number"), lambda uc: Hit(
        f"{uc.code} {uc.title}",
        reverse("portfolio:usecase_detail", args=[uc.pk]),
        f"{uc.business_unit.code} · {uc.get_status_display()}",
    )


def _models(user, q):
    where = Q(name__icontains=q) | Q(mlflow_name__icontains=q)
    if (number := _use_case_number(q)) is not None:
        where |= Q(use_case__number=number)
    rows = lifecycle.model_list(user=user).filter(where)
    return rows, lambda m: Hit(
        m.name,
        reverse("lifecycle:model_detail", args=[m.pk]),
        " · ".join(filter(None, [m.use_case.code, f"MLflow {m.mlflow_name}" if m.mlflow_name else ""])),
    )


def _name_or_mlflow(prefix: str, q: str) -> Q:
    return Q(**{f"{prefix}name__icontains": q}) | Q(**{f"{prefix}mlflow_name__icontains": q})


def _versions(user, q):
    match = _VERSION_SUFFIX.match(q)
    where = _name_or_mlflow("model__", q) | Q(mlflow_run_id__iexact=q)
    if match:
        where |= _name_or_mlflow("model__", match["model"]) & (
            Q(version=match["version"]) | Q(mlflow_version=match["version"])
        )
    rows = lifecycle.version_list(user=user).filter(where)
    return rows, lambda v: Hit(
        f"{v.model.name} v{v.version}",
        reverse("lifecycle:version_detail", args=[v.pk]),
        f"{v.get_stage_display()} · {v.model.use_case.code}",
    )


def _reviews(user, q):
    where = _name_or_mlflow("version__model__", q)
    number = _REVIEW_NUMBER.match(q)
    if number:
        where |= Q(pk=int(number["pk"]))
    rows = governance.review_list(user=user).filter(where).order_by("-opened_at", "-pk")
    return rows, lambda r: Hit(
        f"Review #{r.pk} of {r.version.model.name} v{r.version.version}",
        reverse("governance:review_detail", args=[r.pk]),
        f"{r.get_status_display()} · opened {r.opened_at:%Y-%m-%d}",
    )


def _datasets(user, q):
    rows = lifecycle.dataset_list(user=user, q=q)
    return rows, lambda d: Hit(
        d.name,
        reverse("lifecycle:dataset_detail", args=[d.pk]),
        " · ".join(filter(None, [d.source_system, d.get_sensitivity_display()])),
    )


# (kind, rows and how each row reads, the list page that searches the same words, if any)
KINDS = (
    ("Use cases", _use_cases, "portfolio:usecase_list"),
    ("Models", _models, None),
    ("Versions", _versions, None),
    ("Reviews", _reviews, None),
    ("Datasets", _datasets, "lifecycle:dataset_list"),
)


def search(*, user, q: str) -> list[Group]:
    """Every kind's first matches that `user` may see, with how many match in all."""
    groups = []
    for kind, find, list_name in KINDS:
        rows, hit = find(user, q)
        first = list(rows[:PER_KIND])
        total = len(first) if len(first) < PER_KIND else rows.count()
        more = f"{reverse(list_name)}?{urlencode({'q': q})}" if list_name and total > PER_KIND else ""
        groups.append(Group(kind, [hit(row) for row in first], total, more))
    return groups


class SearchView(LoginRequiredMixin, TemplateView):
    """Results grouped by kind. An empty or too long search says so instead of searching."""

    template_name = "dashboards/search.html"

    def get_context_data(self, **kwargs):
        raw = self.request.GET.get("q", "")
        form = SearchForm({"q": raw})
        groups, query = [], raw.strip()
        if form.is_valid():
            query = form.cleaned_data["q"]
            groups = search(user=self.request.user, q=query)
        return super().get_context_data(
            form=form,
            search_query=query[:MAX_QUERY],
            asked=bool(raw.strip()),
            groups=groups,
            found=sum(g.total for g in groups),
            **kwargs,
        )
