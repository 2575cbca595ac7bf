"""Reads of the portfolio that the pages and the API share."""

from django.db.models import QuerySet

from portfolio.models import BusinessUnit, UseCase


def business_unit_list(*, user) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.restrict(user, "view").filter(is_active=True)


def use_case_list(*, user) -> QuerySet[UseCase]:
    return UseCase.objects.restrict(user, "view").select_related("business_unit", "owner")


def user_business_units(*, user) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.filter(memberships__user=user)


def use_case_counts_by_status(*, user) -> list[dict]:
    """[{status, label, count}] over the use cases the user may see, one grouped query."""
    from django.db.models import Count

    from portfolio.choices import UseCaseStatus

    rows = dict(use_case_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": s.value, "label": s.label, "count": rows.get(s.value, 0)} for s in UseCaseStatus]


def portfolio_totals(*, user) -> dict:
    """Count, projected value and cost of the use cases the user may see, in one query."""
    from django.db.models import Count, Sum

    return (
        use_case_list(user=user)
        .order_by()
        .aggregate(count=Count("pk"), value=Sum("estimated_value"), cost=Sum("estimated_cost"))
    )


def portfolio_by_business_unit(*, user) -> QuerySet:
    from django.db.models import Count, Sum

    return (
        use_case_list(user=user)
        .order_by("business_unit__name")
        .values("business_unit__code", "business_unit__name")
        .annotate(count=Count("pk"), value=Sum("estimated_value"), cost=Sum("estimated_cost"))
    )
