-- Lodestar: database roles that keep the audit trail append-only for the application and for migrations.
--
-- Run as a PostgreSQL superuser (the DBA), in Lodestar's database, after every `manage.py migrate`:
--     psql -v ON_ERROR_STOP=1 -d lodestar -f docs/sql/audit_roles.sql
-- Roles:
--   lodestar_migrator     runs migrations and owns every table except the audit trail;
--   lodestar_app          what the web and worker processes connect as: reads and writes the domain
--                         tables, but may only SELECT and INSERT audit events;
--   lodestar_audit_owner  owns the audit table and its guard function; nobody logs in as it.
-- Set the login passwords separately: ALTER ROLE lodestar_app PASSWORD '…';
-- Neither login role can UPDATE, DELETE or TRUNCATE audit events, disable or drop their triggers,
-- change the table's owner or grant itself more (tests/audit/test_db_roles.py proves each).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lodestar_audit_owner') THEN
        CREATE ROLE lodestar_audit_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lodestar_migrator') THEN
        CREATE ROLE lodestar_migrator LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lodestar_app') THEN
        CREATE ROLE lodestar_app LOGIN;
    END IF;
END $$;

-- Neither login role may ever hold more than its grants.
ALTER ROLE lodestar_migrator NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
ALTER ROLE lodestar_app NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;

DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO lodestar_app, lodestar_migrator', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO lodestar_app;

-- The audit table and its guard belong to a role nobody signs in as: only an owner may disable or drop
-- triggers, alter the table or replace the function the triggers call.
ALTER TABLE audit_auditevent OWNER TO lodestar_audit_owner;
ALTER FUNCTION audit_refuse_change() OWNER TO lodestar_audit_owner;
REVOKE ALL ON audit_auditevent FROM PUBLIC;
GRANT SELECT, INSERT ON audit_auditevent TO lodestar_app, lodestar_migrator;

-- The application: everything else, read and write.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO lodestar_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM lodestar_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO lodestar_app;
ALTER DEFAULT PRIVILEGES FOR ROLE lodestar_migrator IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO lodestar_app;
ALTER DEFAULT PRIVILEGES FOR ROLE lodestar_migrator IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO lodestar_app;
