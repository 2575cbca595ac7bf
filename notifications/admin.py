from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False
