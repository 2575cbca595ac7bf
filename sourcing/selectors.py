"""Sourcing reads that pages and the API share: vendors, supplied models, evaluations, trials, standards."""


def supplied_models(*, user):
    """Links of inventory models to their vendors, for the models the user may see."""
    from sourcing.models import SuppliedModel

    return (
        SuppliedModel.objects.restrict(user, "view")
        .filter(vendor__isnull=False)
        .select_related("model__use_case", "vendor")
    )


def vendor_list(*, user):
    """Vendors, each with the number of supplied models the user may see and their names, in two queries."""
    from django.db.models import Prefetch

    from sourcing.models import Vendor

    return Vendor.objects.restrict(user, "view").prefetch_related(
        Prefetch("supplies", queryset=supplied_models(user=user), to_attr="visible_supplies")
    )


def evaluation_list(*, user):
    """Technology evaluations with their vendor, owner and trial counts (run, passed, running), in one query."""
    from django.db.models import Count, Q

    from sourcing.models import TechnologyEvaluation

    return (
        TechnologyEvaluation.objects.restrict(user, "view")
        .select_related("vendor", "owner", "decided_by")
        .annotate(
            trial_count=Count("trials"),
            passed_trial_count=Count("trials", filter=Q(trials__outcome="pass")),
            running_trial_count=Count("trials", filter=Q(trials__outcome="")),
        )
        .order_by("name", "pk")  # an aggregate query drops Meta.ordering
    )


def evaluation_get(*, user, pk: int):
    """One evaluation with its trials and the standards it published, or DoesNotExist."""
    from django.db.models import Prefetch

    from sourcing.models import ApprovedStandard, SandboxTrial

    return (
        evaluation_list(user=user)
        .prefetch_related(
            Prefetch("trials", queryset=SandboxTrial.objects.select_related("created_by", "closed_by")),
            Prefetch("standards", queryset=ApprovedStandard.objects.select_related("approved_by")),
        )
        .get(pk=pk)
    )


def trial_list(*, user):
    """Sandbox trials with their evaluation, newest first."""
    from sourcing.models import SandboxTrial

    return SandboxTrial.objects.restrict(user, "view").select_related("evaluation", "created_by", "closed_by")


def standard_list(*, user):
    """Approved standards and reference architectures, with the evaluation they came from."""
    from sourcing.models import ApprovedStandard

    return ApprovedStandard.objects.restrict(user, "view").select_related("evaluation", "approved_by", "retired_by")
