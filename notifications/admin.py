from django.contrib import admin

from core.admin import NoWriteAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(NoWriteAdmin):
    """Shown, never edited; each reader sees their own notifications (a superuser sees all): a notification
    names records its recipient may see, not necessarily the admin reading it."""

    list_display = ("subject", "recipient", "category", "created_at", "read_at")
    list_filter = ("category",)
    readonly_fields = (
        "recipient",
        "subject",
        "body",
        "url",
        "category",
        "target_type",
        "target_id",
        "created_at",
        "read_at",
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(recipient=request.user)
