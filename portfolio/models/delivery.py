"""Delivering a use case: change impact actions, go-live readiness, stop-loss criteria, skills."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import RestrictedManager, TimeStampedModel


class ChangeAction(TimeStampedModel):
    """A tracked change-management action: who is affected, reskilling, champions, communication."""

    class Kind(models.TextChoices):
        ROLES = "roles", "Roles and headcount affected"
        RESKILLING = "reskilling", "Reskilling plan"
        CHAMPIONS = "champions", "Champions"
        COMMUNICATION = "communication", "Communication plan"

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.CASCADE, related_name="change_actions")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    description = models.TextField()
    headcount_affected = models.PositiveIntegerField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    done = models.BooleanField(default=False)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["due_date"]

    def __str__(self) -> str:
        return f"{self.use_case.code} {self.get_kind_display()}"


READINESS_ITEMS = (
    ("uat", "User acceptance or simulation sessions held"),
    ("champions", "Champions trained"),
    ("communications", "Communications sent"),
    ("support", "Support in place"),
)


class ReadinessCheck(models.Model):
    """One item of the go-live readiness checklist, ticked with its evidence."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.CASCADE, related_name="readiness")
    item = models.CharField(max_length=20, choices=READINESS_ITEMS)
    evidence = models.TextField()
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item"]
        constraints = [models.UniqueConstraint(fields=["use_case", "item"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return f"{self.use_case.code}: {self.get_item_display()}"


class StopLoss(TimeStampedModel):
    """Set at intake: a KPI level or a realised value the use case must reach by a date. Missing it for
    `periods_allowed` consecutive periods opens a decommissioning review (monitoring checks it)."""

    class Measure(models.TextChoices):
        KPI = "kpi", "A KPI level"
        REALISED_VALUE = "realised_value", "Realised annual value"

    use_case = models.OneToOneField("portfolio.UseCase", on_delete=models.CASCADE, related_name="stop_loss")
    measure = models.CharField(max_length=15, choices=Measure.choices)
    kpi = models.ForeignKey("portfolio.KPI", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    threshold = models.DecimalField(max_digits=18, decimal_places=4)
    due_date = models.DateField()
    periods_allowed = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    missed_periods = models.PositiveSmallIntegerField(default=0)
    # The month ("2026-11") last counted as missed, so a daily check counts each month once.
    last_counted_period = models.CharField(max_length=7, blank=True)
    review_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the missed periods ran out and a decommissioning review was asked."
    )

    class Meta:
        verbose_name = "stop-loss criterion"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(measure="realised_value") | models.Q(kpi__isnull=False),
                name="%(app_label)s_%(class)s_kpi_needs_kpi",
                violation_error_message="A KPI stop-loss names its KPI.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.code} stop-loss by {self.due_date}"


class Skill(models.Model):
    """A skill the enterprise tracks; critical ones must never rest on one person."""

    name = models.CharField(max_length=100, unique=True)
    critical = models.BooleanField(default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PersonSkill(models.Model):
    """A person holds a skill at a level from 1 (aware) to 5 (expert)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="holders")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["skill__name", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="%(app_label)s_%(class)s_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.skill} {self.level}"


class SkillNeed(models.Model):
    """A use case needs a skill at least at a level."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.CASCADE, related_name="skill_needs")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="needs")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["skill__name"]
        constraints = [models.UniqueConstraint(fields=["use_case", "skill"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return f"{self.use_case.code} needs {self.skill} {self.level}"


class BenefitReview(TimeStampedModel):
    """Post-implementation review of a live use case: the value actually realised, and KPI movement."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="benefit_reviews")
    reviewed_on = models.DateField()
    realised_value = models.DecimalField(
        "realised annual value", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    kpi = models.ForeignKey("portfolio.KPI", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kpi_movement = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Observed change of the KPI attributed to the use case.",
    )
    findings = models.TextField()
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-reviewed_on"]

    def __str__(self) -> str:
        return f"{self.use_case.code} PIR {self.reviewed_on}"
