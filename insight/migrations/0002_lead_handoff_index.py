"""An index on Lead.handed_off_at for the loop-health page, which selects its cohort of
leads by handoff time. It is created here, as SQL, because insight is the reader that
needs it: the leads app's models and migrations stay as they are. The name is prefixed
so it cannot clash with an index the leads app might add later."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS insight_lead_handoff_idx ON leads_lead (handed_off_at)",
            reverse_sql="DROP INDEX IF EXISTS insight_lead_handoff_idx",
        )
    ]
