"""`manage.py gates`: every gate a version meets on each move, the app that owns it, and the hooks that run
when a version enters a stage. The registrations live in each app's AppConfig.ready(); this is where they are
read in one place."""

from django.apps import apps
from django.core.management.base import BaseCommand

from lifecycle import gates
from lifecycle.choices import EMERGENCY_EDGES, NEXT_STAGES, Stage


def owner(function) -> str:
    config = apps.get_containing_app_config(function.__module__)
    return config.label if config else function.__module__


class Command(BaseCommand):
    help = "List every gate per stage edge with its owner app, and the hooks run on entering each stage."

    def handle(self, *args, **options):
        gate_wires, hooks = gates.wiring()
        for stage in Stage.values:
            into = sorted(source for source, targets in NEXT_STAGES.items() if stage in targets)
            edges = (
                "registration of a new version"
                if not into
                else ", ".join(
                    f"{s} → {stage}" + (" (emergency only)" if (s, stage) in EMERGENCY_EDGES else "") for s in into
                )
            )
            self.stdout.write(self.style.MIGRATE_HEADING(f"{Stage(stage).label}: {edges}"))
            stage_gates = [w for w in gate_wires if w.stage == stage]
            stage_hooks = [w for w in hooks if w.stage == stage]
            if not stage_gates:
                self.stdout.write("  gates: none")
            for wire in stage_gates:
                waivable = ", waivable by an emergency release" if wire.waivable else ""
                self.stdout.write(f"  gate  {wire.name}  [{owner(wire.function)}{waivable}]  {_where(wire.function)}")
            for wire in stage_hooks:
                self.stdout.write(f"  hook  {wire.name}  [{owner(wire.function)}]  {_where(wire.function)}")


def _where(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"
