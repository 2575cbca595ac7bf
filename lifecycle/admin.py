"""The inventory in the admin, read-only: stages move through the stage machine, datasets and plans
through their services (pages and API), never through an admin form or bulk action."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from lifecycle.models import (
    AIModel,
    Dataset,
    DecommissionPlan,
    Deployment,
    FreezeWindow,
    Incident,
    MlflowProposal,
    ModelVersion,
    StageTransition,
)


@admin.register(AIModel)
class AIModelAdmin(ReadOnlyAdmin):
    list_display = ("name", "use_case", "mlflow_name", "confidential", "third_party")
    list_select_related = ("use_case",)
    search_fields = ("name", "mlflow_name")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "stage", "mlflow_version", "digest", "created_at")
    list_filter = ("stage",)
    list_select_related = ("model",)


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ("version", "from_stage", "to_stage", "actor", "at")
    list_select_related = ("version__model", "actor")

    def get_queryset(self, request):
        from lifecycle.models import ModelVersion

        visible = ModelVersion.objects.restrict(request.user, "view").values("pk")
        return admin.ModelAdmin.get_queryset(self, request).filter(version__in=visible)


for model, columns in (
    (Deployment, ("version", "environment", "strategy", "status", "started_at")),
    (FreezeWindow, ("name", "start", "end")),
    (Dataset, ("name", "sensitivity", "source_system", "steward")),
    (DecommissionPlan, ("__str__", "status", "sunset_date")),
    (Incident, ("model", "kind", "created_at")),
    (MlflowProposal, ("__str__", "kind", "status", "use_case")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))
