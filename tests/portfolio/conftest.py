"""Planning fixtures the portfolio page tests share: a program manager of RETAIL, a team, a wave with its capacity."""

from datetime import date

import pytest

from portfolio import services


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],), first_name="Paula", last_name="Marsh")


@pytest.fixture
def team(pm):
    return services.team_create(actor=pm, name="Data platform")


@pytest.fixture
def wave(pm, team):
    return services.wave_create(
        actor=pm, name="2027-Q1", start=date(2027, 1, 1), end=date(2027, 3, 31), capacities={team: 40}
    )
