# The quotes on a version's passages are read through an index of the quoted calls only
# (feedback.annotations.passage_quotes, the message page): issue 19.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0008_calllog_occurred_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="calllog",
            index=models.Index(
                condition=models.Q(
                    models.Q(("quote", ""), _negated=True),
                    models.Q(("quote_passage_key", ""), _negated=True),
                ),
                fields=["version", "quote_passage_key", "-occurred_at", "-id"],
                name="calllog_quote_idx",
            ),
        ),
    ]
