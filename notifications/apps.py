from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from audit import retention
        from notifications.selectors import read_before

        retention.register_purgeable("notifications", label="In-app notifications read long ago", expired=read_before)
