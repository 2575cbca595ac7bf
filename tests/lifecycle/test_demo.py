import re

from lifecycle.choices import Stage
from lifecycle.models import AIModel, ModelVersion


def test_the_whole_demo_seeds_once_and_fills_the_inventory(db, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    counts = (AIModel.objects.count(), ModelVersion.objects.count())
    call_command("seed_demo")
    assert (AIModel.objects.count(), ModelVersion.objects.count()) == counts
    assert counts[0] >= 10
    assert ModelVersion.objects.filter(stage=Stage.PRODUCTION).exists()
    printed = capsys.readouterr().out
    # The sign-in table comes last: the program manager's row with the full name and the password.
    assert re.search(r"^  pm +\S.* password \S+ +Program manager", printed.rsplit("Sign in to Lodestar", 1)[-1], re.M)
    # One model retired through the whole workflow (its lesson is searchable), one mid-decommission.
    from lifecycle.models import DecommissionPlan
    from lifecycle.selectors import lessons_learned

    retired = DecommissionPlan.objects.get(status=DecommissionPlan.Status.RETIRED)
    assert not retired.model.versions.exclude(stage__in=[Stage.RETIRED, Stage.REJECTED]).exists()
    assert retired.function_approvals.count() == len(retired.required_functions) > 0
    assert DecommissionPlan.objects.filter(status=DecommissionPlan.Status.ANNOUNCED).count() == 1
    admin = retired.created_by
    assert retired in lessons_learned(user=admin, q="population mix")
    # A well-run portfolio, not an alarm: each person's inbox holds the last few messages, not a year's worth.
    from django.db.models import Count

    from dashboards.demo import UNREAD_KEPT
    from notifications.models import Notification

    unread = Notification.objects.filter(read_at__isnull=True).values("recipient").annotate(n=Count("pk"))
    assert unread and max(row["n"] for row in unread) <= UNREAD_KEPT
    assert Notification.objects.filter(read_at__isnull=False).exists()  # the older ones were read, not dropped
