"""Gives the freshly seeded demo a past. Seeding runs in seconds, so every use case, transition and review
would carry today's date and the quarterly charts would show a single bar. This spreads them over the last
year the way a real portfolio accumulates. Demo only: the audit trail keeps the true seeding times."""

import random
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from governance.models import Review
from lifecycle.models import StageTransition
from portfolio.models import UseCase, UseCaseTransition


def backdate() -> None:
    now, rng = timezone.now(), random.Random(11)
    # Earlier use cases (lower numbers) were proposed earlier; each keeps its transitions in order after.
    cases = list(UseCase.objects.filter(created_at__gt=now - timedelta(days=1)).order_by("number"))
    for index, case in enumerate(cases):
        created = now - timedelta(days=360 - index * 330 // max(1, len(cases)) + rng.randint(0, 10))
        UseCase.objects.filter(pk=case.pk).update(created_at=created)
        moves = list(UseCaseTransition.objects.filter(use_case=case).order_by("at", "pk"))
        gap = (now - created) / (len(moves) + 1)
        for step, move in enumerate(moves, start=1):
            UseCaseTransition.objects.filter(pk=move.pk).update(at=created + gap * step)
    # Versions reached production and retirement across the last three quarters; a version's moves shift
    # together so their order holds.
    moved = StageTransition.objects.filter(to_stage__in=["production", "retired"], at__gt=now - timedelta(days=1))
    for version_id in sorted(set(moved.values_list("version_id", flat=True))):
        shift = timedelta(days=rng.randint(5, 270))
        StageTransition.objects.filter(version_id=version_id).update(at=F("at") - shift)
    # Open reviews have waited a while, some longer than the board's turnaround.
    for review in Review.objects.filter(status="open").order_by("pk"):
        Review.objects.filter(pk=review.pk).update(opened_at=now - timedelta(days=rng.randint(1, 9), hours=3))
