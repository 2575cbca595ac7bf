"""The deploy gate in the database (RELIABILITY T12): PostgreSQL refuses, at commit, a model version that
reaches production without a complete, current approval set for its exact digest, whichever path wrote it
(the ORM outside the service, `QuerySet.update`, `bulk_update`, raw SQL).

The approval set is governance's: an approved review of the version whose every required function has an
approving sign-off, not invalidated, bound to the version's digest; or an emergency release of the version,
approved by two people for that digest and used within its window. Lifecycle's service runs the full gates
before it writes; this trigger is the backstop beneath it. A constraint trigger, deferred, so it sees the
sign-offs and the stage a transaction writes in any order. Seeding passes only inside
`core.seeding.seeding_bypass()` and only for the table's owner. SQLite has no such trigger (docs/decisions.md)."""

from core.seeding import GATE_TRIGGERS, SETTING

TABLE = "lifecycle_modelversion"
FUNCTION = "lifecycle_modelversion_production_gate"
INSERT_TRIGGER, UPDATE_TRIGGER = GATE_TRIGGERS

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    DECLARE
        current_row {TABLE}%ROWTYPE;
        label text;
    BEGIN
        -- Seeding (tests, generator, demos) by the table's owner only: the application role does not own it.
        IF current_setting('{SETTING}', true) = 'on'
           AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NULL;
        END IF;
        -- Deferred to commit: judge the row as it is now, not as the queued event saw it.
        SELECT * INTO current_row FROM {TABLE} WHERE id = NEW.id;
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
    f"DROP TRIGGER IF EXISTS {INSERT_TRIGGER} ON {TABLE};",
    f"""CREATE CONSTRAINT TRIGGER {INSERT_TRIGGER} AFTER INSERT ON {TABLE}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.stage = 'production') EXECUTE FUNCTION {FUNCTION}();""",
    f"DROP TRIGGER IF EXISTS {UPDATE_TRIGGER} ON {TABLE};",
    f"""CREATE CONSTRAINT TRIGGER {UPDATE_TRIGGER} AFTER UPDATE OF stage, digest ON {TABLE}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.stage = 'production'
              AND (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.digest IS DISTINCT FROM NEW.digest))
        EXECUTE FUNCTION {FUNCTION}();""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {INSERT_TRIGGER} ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {UPDATE_TRIGGER} ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {FUNCTION}();",
]


def install_gate(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":  # SQLite: the service gate only (docs/decisions.md)
        for sql in POSTGRES_INSTALL:
            schema_editor.execute(sql, params=None)


def remove_gate(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REMOVE:
            schema_editor.execute(sql, params=None)
