"""`manage.py gates` lists the wiring every app registers: each gate under the stage it guards, its owner app."""

from io import StringIO

from django.core.management import call_command

from lifecycle import gates
from lifecycle.choices import Stage


def listing() -> str:
    out = StringIO()
    call_command("gates", stdout=out, no_color=True)
    return out.getvalue()


def section(text: str, stage: str) -> str:
    label = Stage(stage).label + ":"
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(label))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start:end])


def test_every_registered_gate_and_hook_is_listed_under_its_stage():
    text = listing()
    gate_wires, hooks = gates.wiring()
    assert gate_wires and hooks
    for wire in gate_wires:
        assert f"gate  {wire.name}  [" in section(text, wire.stage), (wire.stage, wire.name)
    for wire in hooks:
        assert f"hook  {wire.name}  [" in section(text, wire.stage), (wire.stage, wire.name)


def test_production_names_owners_waivers_and_the_emergency_edges():
    production = section(listing(), Stage.PRODUCTION)
    assert "pending_approval → production (emergency only)" in production
    assert "gate  approval current  [governance, waivable by an emergency release]" in production
    assert "gate  outside a freeze window  [lifecycle]" in production
    assert "gate  no open critical alert  [monitoring]" in production
    assert "gate  impact assessment approved  [governance]  " in production  # never waivable


def test_a_new_version_lists_the_hooks_of_registration():
    assert "hook  reviews_supersede_for_new_version  [governance]" in section(listing(), Stage.REGISTERED)
