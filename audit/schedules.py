"""Audit's periodic tasks, installed by its migrations (core.schedules.installer)."""

from core.schedules import installer

SCHEDULES = (
    # (name, task, every, period)
    ("Verify the audit trail", "audit.verify_chain", 1, "days"),
    ("Checkpoint the audit trail outside the database", "audit.write_checkpoint", 5, "minutes"),
    ("Check the audit checkpoints are not behind", "audit.check_checkpoints", 15, "minutes"),
    ("Purge operational logs past their retention", "audit.purge_expired", 1, "days"),
)
# Tasks no admin may switch off (core.schedules refuses it): tamper detection.
GUARDS = {
    "audit.verify_chain": "verifies the audit trail's hash chain",
    "audit.write_checkpoint": "writes the audit trail's external checkpoints",
}

install_schedules = installer(SCHEDULES)
