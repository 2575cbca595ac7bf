"""Two transitions of one version at once: the row lock makes one win and the state stay consistent."""

import threading

import pytest
from django.db import connection

from lifecycle import services
from lifecycle.models import ModelVersion, StageTransition
from portfolio import services as portfolio


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_transitions_record_one_move(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud", use_case=use_case)
    version = services.model_version_register(actor=ds, model=model, version="1")
    start, errors = threading.Barrier(2), []

    def move():
        try:
            start.wait(timeout=10)
            services.model_version_transition(
                actor=ds, version=ModelVersion.objects.get(pk=version.pk), to_stage="in_validation", reason="race"
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=move) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert StageTransition.objects.filter(version=version).count() == 1
    assert ModelVersion.objects.get(pk=version.pk).stage == "in_validation"
