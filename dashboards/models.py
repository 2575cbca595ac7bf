"""Dashboards have no data of their own; this model only carries who may open which one."""

from django.db import models


class Dashboard(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_executive", "Can open the executive dashboard"),
            ("view_program", "Can open the program manager dashboard"),
            ("view_review_board", "Can open the review board dashboard"),
            ("view_data_science", "Can open the data scientist dashboard"),
            ("view_administration", "Can open the platform administration page"),
        ]

    def __str__(self) -> str:
        return "Dashboards"
