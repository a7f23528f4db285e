"""The database itself refuses to change a published version.

Once a version leaves draft its body, rendering, number and message are frozen, and it
only moves forward: draft -> live -> retired. A bug or a hand-written UPDATE cannot
rewrite what salespeople already used in calls.
"""

from django.db import migrations

MESSAGE = "a published message version is never changed again"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION messaging_version_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND (
       NEW.body IS DISTINCT FROM OLD.body
    OR NEW.body_html IS DISTINCT FROM OLD.body_html
    OR NEW.number <> OLD.number
    OR NEW.message_id <> OLD.message_id
    OR NEW.status = 'draft'
    OR (OLD.status = 'retired' AND NEW.status <> 'retired')
  ) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER messaging_version_immutable BEFORE UPDATE ON messaging_messageversion
FOR EACH ROW EXECUTE FUNCTION messaging_version_immutable();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS messaging_version_immutable ON messaging_messageversion;
DROP FUNCTION IF EXISTS messaging_version_immutable();
"""
SQLITE_CREATE = f"""
CREATE TRIGGER messaging_version_immutable BEFORE UPDATE ON messaging_messageversion
FOR EACH ROW WHEN OLD.status <> 'draft' AND (
     NEW.body IS NOT OLD.body
  OR NEW.body_html IS NOT OLD.body_html
  OR NEW.number <> OLD.number
  OR NEW.message_id <> OLD.message_id
  OR NEW.status = 'draft'
  OR (OLD.status = 'retired' AND NEW.status <> 'retired')
)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS messaging_version_immutable;"


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
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
