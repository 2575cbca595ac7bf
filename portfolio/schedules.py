"""Portfolio's periodic tasks, installed by its migrations (core.schedules.installer)."""

from core.schedules import installer

SCHEDULES = (
    # (name, task, every, period)
    ("Check stop-loss criteria", "portfolio.check_stop_losses", 1, "days"),
)

install_schedules = installer(SCHEDULES)
