"""Compliance: frameworks and their requirements, internal controls mapped onto them (the crosswalk), the
evidence that a control is in place, and external audits with their findings and follow-ups.

These tables were created by governance and keep their names (`db_table`) and constraint names; only the
app that owns them changed."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from compliance.choices import AuditSeverity, EvidenceKind, EvidenceStatus, ExternalAuditStatus, FollowUpStatus
from core.models import RestrictedManager, TimeStampedModel
from core.permissions import RestrictedQuerySet
from governance.choices import Tier

# --- Compliance: frameworks, requirements, internal controls and their evidence ----------------------------


class Framework(models.Model):
    """A law, standard or guideline (EU AI Act, NIST AI RMF...) at its current revision; imported as data."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    revision = models.CharField(max_length=60)
    summary = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_framework"
        ordering = ["name"]
        default_permissions = ("view",)
        permissions = [("import_framework", "Can import a compliance framework or a new revision of one")]

    def __str__(self) -> str:
        return f"{self.name} ({self.revision})"


class Requirement(models.Model):
    """One requirement of a framework by its reference (“Art. 9”), summarised in our own words. A requirement
    a new revision drops is kept, marked withdrawn, so the history of mappings and evidence stays readable."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="requirements")
    reference = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    withdrawn = models.BooleanField(default=False)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_requirement"
        ordering = ["framework", "pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["framework", "reference"], name="governance_%(class)s_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Control(models.Model):
    """An internal control; it applies to use cases of some tiers and satisfies requirements of several
    frameworks at once (the crosswalk)."""

    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # One flag per internal tier, so "controls required of a high-tier use case" is a plain filter in SQL.
    applies_low = models.BooleanField(default=False)
    applies_medium = models.BooleanField(default=False)
    applies_high = models.BooleanField(default=True)
    applies_critical = models.BooleanField(default=True)
    requirements = models.ManyToManyField(
        Requirement, through="ControlRequirement", related_name="controls", blank=True
    )

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_control"
        ordering = ["code"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def tiers(self) -> list[str]:
        return [tier for tier in Tier.values if getattr(self, f"applies_{tier}")]


class ControlRequirement(models.Model):
    """The crosswalk: this control satisfies (part of) that requirement."""

    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="requirement_links")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="control_links")

    class Meta:
        db_table = "governance_controlrequirement"
        ordering = ["control", "requirement"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["control", "requirement"], name="governance_%(class)s_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.control.code} → {self.requirement}"


class EvidenceQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Evidence is seen by those who see its use case and, when bound to a version, that version (a
        confidential model of a visible use case keeps its evidence hidden; a grant on either opens it)."""
        if action != "view":
            return super().restrict(user, action)
        from lifecycle.models import ModelVersion
        from portfolio.models import UseCase

        return self.filter(
            Q(use_case__in=UseCase.objects.restrict(user, "view").values("pk")),
            Q(version__isnull=True) | Q(version__in=ModelVersion.objects.restrict(user, "view").values("pk")),
        )

    def valid(self, today=None):
        """Accepted, not stale, not expired: the evidence that counts towards coverage."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.filter(status=EvidenceStatus.ACCEPTED, stale=False).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


def evidence_storage():
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.VAR_DIR / "evidence")


class Evidence(TimeStampedModel):
    """Evidence that a control is in place for a use case, or for one version of its model: a file, a link
    or a text, reviewed by a compliance reviewer; it lapses on its expiry date or when a newer version of
    the model replaces the version it was bound to (stale)."""

    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="evidence")
    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="compliance_evidence")
    version = models.ForeignKey(
        "lifecycle.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="compliance_evidence"
    )
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="%Y/%m/", storage=evidence_storage, blank=True, max_length=300)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    description = models.CharField(max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.SUBMITTED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    stale = models.BooleanField(default=False)
    stale_reason = models.CharField(max_length=300, blank=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = models.Manager.from_queryset(EvidenceQuerySet)()

    class Meta:
        db_table = "governance_evidence"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "evidence"
        default_permissions = ("add", "view")
        permissions = [("review_evidence", "Can accept or reject compliance evidence")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file") & ~Q(file=""))
                | (Q(kind="link") & ~Q(url=""))
                | (Q(kind="text") & ~Q(text="")),
                name="governance_%(class)s_content_of_its_kind",
                violation_error_message="Evidence needs the file, link or text of its kind.",
            ),
        ]

    def __str__(self) -> str:
        return f"Evidence #{self.pk} for {self.control.code}"

    def is_valid_on(self, today) -> bool:
        return (
            self.status == EvidenceStatus.ACCEPTED
            and not self.stale
            and (self.expires_on is None or self.expires_on >= today)
        )


# --- External audits ---------------------------------------------------------------------------------------


class ExternalAudit(TimeStampedModel):
    """An audit by an outside firm: who audits, what it covers (frameworks, use cases), when, where it stands
    and where its report is."""

    auditor = models.CharField("audit firm", max_length=200)
    lead_auditor = models.CharField(max_length=200)
    scope = models.TextField()
    frameworks = models.ManyToManyField(Framework, blank=True, related_name="external_audits")
    use_cases = models.ManyToManyField("portfolio.UseCase", blank=True, related_name="external_audits")
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=ExternalAuditStatus.choices, default=ExternalAuditStatus.PLANNED)
    report_link = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_externalaudit"
        ordering = ["-start_date", "-pk"]
        default_permissions = ("view",)
        permissions = [("manage_externalaudit", "Can record external audits, their findings and follow-ups")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="governance_%(class)s_ends_after_start",
                violation_error_message="An audit ends on or after its start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor} audit of {self.start_date:%Y-%m-%d}"

    @property
    def status_color(self) -> str:
        from compliance.choices import AUDIT_STATUS_COLORS

        return AUDIT_STATUS_COLORS.get(self.status, "grey")


class AuditFinding(models.Model):
    """A finding of an external audit, with its severity, owner and due date; it is settled by its follow-ups
    or accepted as a risk, with the reason."""

    audit = models.ForeignKey(ExternalAudit, on_delete=models.PROTECT, related_name="findings")
    reference = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=AuditSeverity.choices)
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    risk_accepted_reason = models.TextField(blank=True)
    risk_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_auditfinding"
        ordering = ["audit", "reference"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["audit", "reference"], name="governance_%(class)s_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_severity_display()})"

    @property
    def risk_accepted(self) -> bool:
        return bool(self.risk_accepted_reason)


class FollowUp(models.Model):
    """An action on an audit finding: what will be done, by whom, by when; done with a completion note."""

    finding = models.ForeignKey(AuditFinding, on_delete=models.PROTECT, related_name="follow_ups")
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=4, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    completion_note = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_followup"
        ordering = ["due_date", "pk"]
        verbose_name = "follow-up"
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(completion_note=""),
                name="governance_%(class)s_done_with_note",
                violation_error_message="A follow-up is done with a note of what was done.",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up #{self.pk} on {self.finding.reference}"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == FollowUpStatus.OPEN and self.due_date < timezone.localdate()
