"""Abstract building blocks shared by the domain apps. No concrete models live here."""

from django.db import models

from core.permissions import RestrictedQuerySet


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    """Manager whose querysets offer `.restrict(user, action)`."""
