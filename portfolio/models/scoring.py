"""Prioritisation: weighted criteria and the scores people give use cases against them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import RestrictedManager, TimeStampedModel
from portfolio.choices import CriterionSource


class ScoringCriterion(TimeStampedModel):
    """A criterion of the ranking: its weight, its direction, and what 1 to 5 mean."""

    key = models.SlugField(max_length=40, unique=True, help_text="Used for weight overrides: ?weight_<key>=2")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)])
    higher_is_better = models.BooleanField(default=True)
    # {"1": "...", ..., "5": "..."}: what each score means, shown to scorers.
    rubric = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=12, choices=CriterionSource.choices, default=CriterionSource.MANUAL)
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-weight", "name"]
        verbose_name_plural = "scoring criteria"
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="%(app_label)s_%(class)s_weight_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """A scorer's 1-5 score of a use case on a criterion. New scores supersede, never overwrite."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    rationale = models.TextField()
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-scored_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="%(app_label)s_%(class)s_1_to_5"),
            # One current score per scorer and criterion; older ones stay as history.
            models.UniqueConstraint(
                fields=["use_case", "criterion", "scorer"],
                condition=Q(is_current=True),
                name="%(app_label)s_%(class)s_one_current",
            ),
        ]
        indexes = [models.Index(fields=["use_case", "criterion", "is_current"], name="portfolio_score_current_idx")]

    def __str__(self) -> str:
        return f"{self.use_case.code} {self.criterion.name}: {self.score}"
