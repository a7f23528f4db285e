"""The database refuses to change or delete an audit entry, whatever the code does.

On SQLite (the embedded development mode) only changes are refused: Django's test
runner and `flush` empty tables with DELETE there, while PostgreSQL uses TRUNCATE, which
row triggers do not see.
"""

from django.db import migrations

MESSAGE = "the audit trail is append-only"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION smarketing_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER smarketing_audit_append_only BEFORE UPDATE OR DELETE ON smarketing_auditentry
FOR EACH ROW EXECUTE FUNCTION smarketing_audit_append_only();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS smarketing_audit_append_only ON smarketing_auditentry;
DROP FUNCTION IF EXISTS smarketing_audit_append_only();
"""
SQLITE_CREATE = [
    f"""CREATE TRIGGER smarketing_audit_no_update BEFORE UPDATE ON smarketing_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS smarketing_audit_no_update;",
    "DROP TRIGGER IF EXISTS smarketing_audit_no_delete;",
]


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("smarketing", "0002_audit_and_outbox")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
