"""Portfolio governance by the program office: RACI, strategic assumptions, quarterly reviews."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import RestrictedManager, TimeStampedModel


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class UseCaseRaci(models.Model):
    """One person's RACI role on a use case; a use case has at most one accountable person."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.CASCADE, related_name="raci")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raci_roles")
    role = models.CharField(max_length=1, choices=RaciRole.choices)

    class Meta:
        ordering = ["role", "person__username"]
        verbose_name = "RACI entry"
        constraints = [
            models.UniqueConstraint(fields=["use_case", "person", "role"], name="%(app_label)s_%(class)s_unique"),
            models.UniqueConstraint(
                fields=["use_case"],
                condition=Q(role="A"),
                name="%(app_label)s_%(class)s_one_accountable",
                violation_error_message="A use case has one accountable person.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.code} {self.role}: {self.person}"


class Assumption(TimeStampedModel):
    """A strategic assumption the portfolio relies on, with an owner and a date to check it again."""

    class Status(models.TextChoices):
        HOLDING = "holding", "Holding"
        INVALIDATED = "invalidated", "Invalidated"
        RETIRED = "retired", "No longer relevant"

    statement = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assumptions")
    review_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HOLDING)
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="assumptions"
    )
    objective = models.ForeignKey(
        "portfolio.Objective", null=True, blank=True, on_delete=models.PROTECT, related_name="assumptions"
    )
    use_case = models.ForeignKey(
        "portfolio.UseCase", null=True, blank=True, on_delete=models.PROTECT, related_name="assumptions"
    )
    last_note = models.TextField(blank=True)

    scope_business_unit = "business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["review_date"]

    def __str__(self) -> str:
        return self.statement[:80]


class PortfolioReview(TimeStampedModel):
    """A quarterly portfolio review: who met, when, and what they decided for each use case."""

    title = models.CharField(max_length=200)
    quarter = models.CharField(max_length=7, help_text="e.g. 2026-Q4")
    held_on = models.DateField()
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="portfolio_reviews")
    notes = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__regex=r"^[0-9]{4}-Q[1-4]$"),
                name="%(app_label)s_%(class)s_quarter_format",
                violation_error_message="Write the quarter as YYYY-Qn, e.g. 2026-Q4.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.quarter})"


class ReviewDecision(models.Model):
    """What a review decided for one use case; applying it goes through the use-case services."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue"
        ACCELERATE = "accelerate", "Accelerate"
        PAUSE = "pause", "Pause"
        RETIRE = "retire", "Retire"
        REALLOCATE = "reallocate", "Reallocate budget"

    review = models.ForeignKey(PortfolioReview, on_delete=models.PROTECT, related_name="decisions")
    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="review_decisions")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    notes = models.TextField()
    budget_innovation = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_tech_debt = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["review", "use_case__number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "use_case"], name="%(app_label)s_%(class)s_one_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.use_case.code} {self.decision}"
