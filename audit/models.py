"""The audit trail: append-only, hash-chained events. Only audit.services.record() writes here."""

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only; the database refuses updates too.")

    def delete(self):
        raise TypeError("Audit events are append-only; the database refuses deletes too.")


class AuditEvent(models.Model):
    """Who did what to which record, when, why, with the values before and after."""

    seq = models.PositiveBigIntegerField("sequence", unique=True, editable=False)
    at = models.DateTimeField(db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    # Frozen at the time of the event, so renaming a user does not rewrite history.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    # A plain id, not a foreign key: the audit app sits below portfolio in the layers.
    business_unit_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = "audit event"
        # Nobody may add, change or delete events by hand; services append them.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_event_target_idx"),
            models.Index(fields=["action", "target_repr", "at"], name="audit_event_action_target_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
