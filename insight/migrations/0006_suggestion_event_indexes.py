"""Indexes on the three suggestion events that loop health counts in its period (raised,
decided, shipped): without them the page read every suggestion twice (its counts, and
the shipped ones' first calls), about 7 ms on the scale set's 16,554. Created here, as
SQL, because insight is the reader that needs them (as 0002 did for the leads' handoff
time); prefixed so they cannot clash with an index the feedback app adds later."""

from django.db import migrations

INDEXES = {
    "insight_suggestion_created_idx": "created_at",
    "insight_suggestion_decided_idx": "decided_at",
    "insight_suggestion_shipped_idx": "shipped_at",
}


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0005_handoff_fact"),
        ("feedback", "0008_calllog_occurred_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON feedback_suggestion ({column})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, column in INDEXES.items()
    ]
