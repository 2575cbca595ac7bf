"""The roadmap: waves with team capacity, the use cases planned in them, their dependencies,
and the agreements between units that the plan relies on."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import RestrictedManager, TimeStampedModel


class Team(TimeStampedModel):
    """A delivery team whose capacity the waves plan against."""

    name = models.CharField(max_length=100, unique=True)
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Wave(TimeStampedModel):
    """A planning wave (e.g. a quarter) with a start, an end and each team's capacity in it."""

    name = models.CharField(max_length=100, unique=True)
    start = models.DateField()
    end = models.DateField()

    objects = RestrictedManager()

    class Meta:
        ordering = ["start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="A wave must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WaveCapacity(models.Model):
    """How many person-days a team has in a wave."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="capacities")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="capacities")
    person_days = models.PositiveIntegerField()

    class Meta:
        ordering = ["wave", "team__name"]
        constraints = [models.UniqueConstraint(fields=["wave", "team"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return f"{self.team} in {self.wave}: {self.person_days} d"


class RoadmapItem(TimeStampedModel):
    """A use case planned in a wave, with its planned dates."""

    use_case = models.OneToOneField("portfolio.UseCase", on_delete=models.PROTECT, related_name="roadmap_item")
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="items")
    planned_start = models.DateField()
    planned_end = models.DateField()

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["planned_start", "use_case__number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="The planned end cannot come before the planned start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.code} in {self.wave}"


class RoadmapEffort(models.Model):
    """The effort a team puts into one roadmap item."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="efforts")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="efforts")
    person_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["team__name"]
        constraints = [models.UniqueConstraint(fields=["item", "team"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return f"{self.team}: {self.person_days} d"


class Dependency(models.Model):
    """`use_case` needs `depends_on` delivered first."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="dependants")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["use_case__number", "depends_on__number"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["use_case", "depends_on"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(
                condition=~Q(use_case=F("depends_on")),
                name="%(app_label)s_%(class)s_not_self",
                violation_error_message="A use case cannot depend on itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.code} needs {self.depends_on.code}"


class Agreement(TimeStampedModel):
    """An agreement the plan relies on, e.g. data access or a deployment SLA between two units."""

    class Kind(models.TextChoices):
        DATA_ACCESS = "data_access", "Data access"
        DEPLOYMENT_SLA = "deployment_sla", "Deployment SLA"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        BROKEN = "broken", "Broken"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DATA_ACCESS)
    provider = models.ForeignKey("portfolio.BusinessUnit", on_delete=models.PROTECT, related_name="agreements_given")
    consumer = models.ForeignKey("portfolio.BusinessUnit", on_delete=models.PROTECT, related_name="agreements_taken")
    use_case = models.ForeignKey(
        "portfolio.UseCase", null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    scope_business_unit = "consumer"
    objects = RestrictedManager()

    STATUS_COLORS = {"open": "blue", "met": "green", "broken": "red"}

    @property
    def status_color(self) -> str:
        return self.STATUS_COLORS.get(self.status, "grey")

    class Meta:
        ordering = ["due_date"]

    def __str__(self) -> str:
        return self.title
