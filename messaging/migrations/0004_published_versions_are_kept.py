"""A published version is kept whole: its author, summary and publish times are frozen
too, it cannot be deleted, and neither can its passages be changed or deleted.

0002 froze the body, rendering, number and message of a published version; its author,
change summary and publish time could still be rewritten, and the row and its passages
deleted. The triggers below refuse those, except inside
smarketing.immutability.purge_allowed() (emptying the whole database: `flush`).
INSERT of passages stays allowed: the scale seeder writes a published version's
passages after the version.
"""

from django.db import migrations

MESSAGE = "a published message version is never changed again"
PG_PURGE = "coalesce(current_setting('smarketing.purge', true), '') = 'on'"
FROZEN = ("body", "body_html", "number", "message_id", "author_id", "change_summary",
          "published_at", "published_by_id", "origin")  # fmt: skip


def _changed(distinct: str) -> str:
    return "\n    OR ".join(f"NEW.{column} {distinct} OLD.{column}" for column in FROZEN)


POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION messaging_version_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND (
       {_changed("IS DISTINCT FROM")}
    OR NEW.status = 'draft'
    OR (OLD.status = 'retired' AND NEW.status <> 'retired')
  ) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION messaging_version_kept() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> 'draft' AND NOT {PG_PURGE} THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER messaging_version_kept BEFORE DELETE ON messaging_messageversion
FOR EACH ROW EXECUTE FUNCTION messaging_version_kept();

CREATE OR REPLACE FUNCTION messaging_passage_kept() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messaging_messageversion
             WHERE id = OLD.version_id AND status <> 'draft')
     AND (TG_OP = 'UPDATE' OR NOT {PG_PURGE}) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER messaging_passage_kept BEFORE UPDATE OR DELETE ON messaging_passage
FOR EACH ROW EXECUTE FUNCTION messaging_passage_kept();
"""  # noqa: S608 (constants only)
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS messaging_passage_kept ON messaging_passage;
DROP FUNCTION IF EXISTS messaging_passage_kept();
DROP TRIGGER IF EXISTS messaging_version_kept ON messaging_messageversion;
DROP FUNCTION IF EXISTS messaging_version_kept();
"""
_PUBLISHED_PASSAGE = (
    "EXISTS (SELECT 1 FROM messaging_messageversion WHERE id = OLD.version_id "
    "AND status <> 'draft')"
)
SQLITE_CREATE = [
    "DROP TRIGGER IF EXISTS messaging_version_immutable;",
    f"""CREATE TRIGGER messaging_version_immutable BEFORE UPDATE ON messaging_messageversion
    FOR EACH ROW WHEN OLD.status <> 'draft' AND (
         {_changed("IS NOT")}
      OR NEW.status = 'draft'
      OR (OLD.status = 'retired' AND NEW.status <> 'retired')
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER messaging_version_kept BEFORE DELETE ON messaging_messageversion
    FOR EACH ROW WHEN OLD.status <> 'draft' AND NOT smarketing_purge_allowed()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER messaging_passage_no_update BEFORE UPDATE ON messaging_passage
    FOR EACH ROW WHEN {_PUBLISHED_PASSAGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER messaging_passage_kept BEFORE DELETE ON messaging_passage
    FOR EACH ROW WHEN {_PUBLISHED_PASSAGE} AND NOT smarketing_purge_allowed()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS messaging_passage_kept;",
    "DROP TRIGGER IF EXISTS messaging_passage_no_update;",
    "DROP TRIGGER IF EXISTS messaging_version_kept;",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_review_experiments_freshness")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
