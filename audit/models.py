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
        permissions = [("verify_auditevent", "Can verify the audit trail and its checkpoints now")]
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


# --- Retention: legal holds and purge runs ----------------------------------------------------------------


class LegalHold(models.Model):
    """An order to keep records: while it is active, the purge deletes nothing it covers (a use case, a model,
    or everything). Released, never deleted, so the hold's own history stays."""

    class Scope(models.TextChoices):
        ALL = "all", "Everything"
        USE_CASE = "use_case", "A use case"
        MODEL = "model", "A model"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    # A plain id, not a foreign key: the audit app sits below portfolio and lifecycle in the layers.
    target_id = models.BigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = "legal hold"
        default_permissions = ("view",)
        permissions = [("manage_legalhold", "Can place and release legal holds")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="all", target_id__isnull=True)
                | (~models.Q(scope="all") & models.Q(target_id__isnull=False)),
                name="%(app_label)s_%(class)s_target_matches_scope",
            )
        ]

    def __str__(self) -> str:
        what = "everything" if self.scope == self.Scope.ALL else self.target_repr or f"{self.scope} {self.target_id}"
        return f"Legal hold on {what}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class PurgeRun(models.Model):
    """One pass of the retention purge: when, by whom (or the schedule), what it deleted and what it kept
    because a legal hold covers it."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        HELD = "held", "Stopped by a legal hold on everything"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(db_index=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # The policy applied, in days, so a later reader knows which cut-offs this run used.
    policy = models.JSONField(default=dict)
    deleted = models.JSONField(default=dict, help_text="Rows deleted (or, in a dry run, that would be) per kind.")
    held = models.JSONField(default=dict, help_text="Expired rows kept because a legal hold covers them, per kind.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "purge run"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Purge {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def actor_name(self) -> str:
        return self.actor.get_username() if self.actor_id else "system"
