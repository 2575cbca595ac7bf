"""The one way around the database's deploy gate, for seeding only (tests, the data generator, demos).

On PostgreSQL a deferred constraint trigger (installed by governance migration 0015) refuses at commit any
version that reaches production without a complete approval set for its exact digest. Seeding puts versions
straight into production. Inside `seeding_bypass()` the trigger lets them pass, but only for a connection whose
role is a member of the table's owner: the application role (`lodestar_app`, docs/sql/audit_roles.sql) is not,
so in production the setting changes nothing. SQLite has no such trigger; the block is a plain transaction."""

from contextlib import contextmanager

from django.db import connection, transaction

SETTING = "lodestar.seeding"
# The constraint trigger's names (governance migration 0015 creates them; core cannot import governance).
GATE_TRIGGERS = ("lifecycle_modelversion_production_gate_ins", "lifecycle_modelversion_production_gate_upd")


@contextmanager
def seeding_bypass():
    """Write versions into production without the approval rows the deploy gate asks for, in one transaction.

    The trigger is deferred to commit, when this block may be long closed, so on leaving it the pending checks
    run at once (SET CONSTRAINTS … IMMEDIATE) while the setting is still on, and then the setting is turned off:
    writes after the block meet the gate again, even in the same transaction."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        triggers = ", ".join(GATE_TRIGGERS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [SETTING])
        yield  # on an error the block's savepoint rolls back, and the setting with it
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {triggers} IMMEDIATE")
            cursor.execute(f"SET CONSTRAINTS {triggers} DEFERRED")
            cursor.execute("SELECT set_config(%s, 'off', true)", [SETTING])
