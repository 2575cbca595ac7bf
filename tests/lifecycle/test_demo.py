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
    assert "pm     password" in capsys.readouterr().out
