"""RELIABILITY T12: sign-offs and emergency releases carry lifecycle's digest of the version, and PostgreSQL
refuses at commit a version in production without a complete approval set for its digest.

The approval set is governance's: an approved review of the version whose every required function has an
approving sign-off, not invalidated, bound to the version's digest; or an emergency release of the version,
approved by two people for that digest and used within its window. Lifecycle's service runs the full gates
before it writes; this trigger is the backstop beneath it. A constraint trigger, deferred, so it sees the
sign-offs and the stage a transaction writes in any order. Seeding passes only inside
`core.seeding.seeding_bypass()` (whose trigger names and setting are the ones below) and only for the table's
owner. SQLite has no such trigger (docs/decisions.md). tests/governance/test_approval_rule_agreement.py checks
that this rule and the service's gates agree."""

from django.db import migrations, models

# Lifecycle's digest is fixed when a version is registered (no service changes it), so the digest a version
# has today is the one every earlier signature and emergency release of it was made on.
BACKFILL = [
    """UPDATE governance_signoff SET artefact_digest = (
        SELECT v.digest FROM governance_review r JOIN lifecycle_modelversion v ON v.id = r.version_id
        WHERE r.id = governance_signoff.review_id)""",
    """UPDATE governance_emergencyrelease SET artefact_digest = (
        SELECT v.digest FROM lifecycle_modelversion v WHERE v.id = governance_emergencyrelease.version_id)""",
]


# The rule as it was installed, frozen here as text: editing a live module must never change what an old
# migration did. A later change of the rule is a new migration with its own copy.
INSTALL = [
    """    CREATE OR REPLACE FUNCTION lifecycle_modelversion_production_gate() RETURNS trigger AS $$
    DECLARE
        current_row lifecycle_modelversion%ROWTYPE;
        label text;
    BEGIN
        -- Seeding (tests, generator, demos) by the table's owner only: the application role does not own it.
        IF current_setting('lodestar.seeding', true) = 'on'
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NULL;
        END IF;
        -- Deferred to commit: judge the row as it is now, not as the queued event saw it.
        SELECT * INTO current_row FROM lifecycle_modelversion WHERE id = NEW.id;
        IF NOT FOUND OR current_row.stage <> 'production' THEN
            RETURN NULL;
        END IF;
        IF EXISTS (
            SELECT 1 FROM governance_review r
            WHERE r.version_id = current_row.id
              AND r.status = 'approved'
              AND jsonb_typeof(r.policy_snapshot -> 'required_functions') = 'array'
              AND jsonb_array_length(r.policy_snapshot -> 'required_functions') > 0
              AND NOT EXISTS (
                  SELECT 1 FROM jsonb_array_elements_text(r.policy_snapshot -> 'required_functions') AS f(code)
                  WHERE NOT EXISTS (
                      SELECT 1 FROM governance_signoff s
                      WHERE s.review_id = r.id
                        AND s.function = f.code
                        AND s.decision = 'approve'
                        AND s.invalidated_at IS NULL
                        AND s.policy_version = (r.policy_snapshot ->> 'version')::integer
                        AND s.artefact_digest = current_row.digest
                  )
              )
        ) OR EXISTS (
            SELECT 1 FROM governance_emergencyrelease e
            WHERE e.version_id = current_row.id
              AND e.artefact_digest = current_row.digest
              AND e.valid_until IS NOT NULL
              AND ((e.status = 'approved' AND e.valid_until > now())
                   OR (e.status = 'released' AND e.released_at <= e.valid_until))
        ) THEN
            RETURN NULL;
        END IF;
        SELECT m.name || ' v' || current_row.version INTO label
            FROM lifecycle_aimodel m WHERE m.id = current_row.model_id;
        RAISE EXCEPTION
            'model version % (id %) cannot be in production: no current approval set exists for its digest %',
            label, current_row.id, current_row.digest
            USING ERRCODE = 'check_violation',
                  HINT = 'Production needs an approved review with an approving sign-off of every required '
                         'function on this digest, or an approved emergency release for it; move it through '
                         'the lifecycle service.';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """DROP TRIGGER IF EXISTS lifecycle_modelversion_production_gate_ins ON lifecycle_modelversion;""",
    """CREATE CONSTRAINT TRIGGER lifecycle_modelversion_production_gate_ins AFTER INSERT ON lifecycle_modelversion
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.stage = 'production') EXECUTE FUNCTION lifecycle_modelversion_production_gate();""",
    """DROP TRIGGER IF EXISTS lifecycle_modelversion_production_gate_upd ON lifecycle_modelversion;""",
    """CREATE CONSTRAINT TRIGGER lifecycle_modelversion_production_gate_upd AFTER UPDATE OF stage, digest ON lifecycle_modelversion
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.stage = 'production'
              AND (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.digest IS DISTINCT FROM NEW.digest))
        EXECUTE FUNCTION lifecycle_modelversion_production_gate();""",
]
REMOVE = [
    """DROP TRIGGER IF EXISTS lifecycle_modelversion_production_gate_ins ON lifecycle_modelversion;""",
    """DROP TRIGGER IF EXISTS lifecycle_modelversion_production_gate_upd ON lifecycle_modelversion;""",
    """DROP FUNCTION IF EXISTS lifecycle_modelversion_production_gate();""",
]


def install_gate(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":  # SQLite: the service gate only (docs/decisions.md)
        for sql in INSTALL:
            schema_editor.execute(sql, params=None)  # params=None: the body's '%' signs are not parameters


def remove_gate(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in REMOVE:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_governed_records_not_deleted"),
        ("lifecycle", "0009_decommission_function_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="emergencyrelease",
            name="artefact_digest",
            field=models.CharField(
                blank=True, help_text="Lifecycle's digest of the version (its `digest`) when requested.", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="signoff",
            name="artefact_digest",
            field=models.CharField(
                blank=True, help_text="Lifecycle's digest of the version (its `digest`) when signed.", max_length=64
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(install_gate, remove_gate),
    ]
