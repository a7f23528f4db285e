"""The audit trail can be neither deleted nor emptied: DELETE and TRUNCATE are refused.

0003 refused UPDATE everywhere and DELETE on PostgreSQL only (SQLite's flush deletes
rows), and nothing stopped a TRUNCATE, which row triggers do not see. Now both vendors
refuse DELETE, and PostgreSQL refuses TRUNCATE by a statement trigger, except inside
smarketing.immutability.purge_allowed() (`manage.py flush`, the test runner).
"""

from django.db import migrations

MESSAGE = "the audit trail is append-only"
PG_PURGE = "coalesce(current_setting('smarketing.purge', true), '') = 'on'"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION smarketing_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' AND {PG_PURGE} THEN
    RETURN COALESCE(OLD, NEW);
  END IF;
  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER smarketing_audit_no_truncate BEFORE TRUNCATE ON smarketing_auditentry
FOR EACH STATEMENT EXECUTE FUNCTION smarketing_audit_append_only();
"""
POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS smarketing_audit_no_truncate ON smarketing_auditentry;
CREATE OR REPLACE FUNCTION smarketing_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END
$$ LANGUAGE plpgsql;
"""
SQLITE_CREATE = f"""
CREATE TRIGGER smarketing_audit_no_delete BEFORE DELETE ON smarketing_auditentry
WHEN NOT smarketing_purge_allowed()
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS smarketing_audit_no_delete;"


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("smarketing", "0007_outbox_started_at")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
