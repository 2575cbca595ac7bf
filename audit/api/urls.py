from rest_framework.routers import SimpleRouter

from audit.api import views

router = SimpleRouter()
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("legal-holds", views.LegalHoldViewSet, basename="legal-hold")
router.register("purge-runs", views.PurgeRunViewSet, basename="purge-run")
urlpatterns = router.urls
