"""Trigram indexes for the lead search box on PostgreSQL.

The search (leads.filters._search) is `icontains` on email, first and last name and the
account's name, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER('%term%')`: no
B-tree helps a leading wildcard, so on 100,000 leads every search was a sequential scan.
A GIN index with gin_trgm_ops on exactly that expression serves it. SQLite has no such
index (and needs none at its sizes), so this migration does nothing there.
"""

from django.db import migrations

INDEXES = [
    ("lead_email_trgm", "leads_lead", "email"),
    ("lead_first_name_trgm", "leads_lead", "first_name"),
    ("lead_last_name_trgm", "leads_lead", "last_name"),
    ("account_name_trgm", "leads_account", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_default_sla_and_disqualification_reasons")]

    operations = [migrations.RunPython(create, drop)]
