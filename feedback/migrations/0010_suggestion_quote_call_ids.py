"""The suggestions' quotes rollup (feedback.quotes): the column, filled from the edits.

The fill is feedback.quotes.latest_quoted_calls as written when this migration was
(a migration keeps its own copy, on the historical models): the newest distinct quoted
calls of each suggestion, at most three, by call time then call id.
"""

from django.db import migrations, models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

QUOTES_SHOWN = 3


def fill(apps, schema_editor):
    Suggestion = apps.get_model("feedback", "Suggestion")
    PassageEdit = apps.get_model("feedback", "PassageEdit")
    latest = {}
    pairs = (
        PassageEdit.objects.filter(suggestion__isnull=False)
        .exclude(call_log__quote="")
        .order_by()
        .values("suggestion_id", "call_log_id", "call_log__occurred_at")
        .annotate(edits=Count("pk"))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("suggestion_id")],
                order_by=[F("call_log__occurred_at").desc(), F("call_log_id").desc()],
            )
        )
        .filter(rank__lte=QUOTES_SHOWN)
        .values_list("suggestion_id", "call_log_id", "rank")
    )
    for suggestion_id, call_id, _rank in sorted(pairs, key=lambda row: (row[0], row[2])):
        latest.setdefault(suggestion_id, []).append(call_id)
    rows = [Suggestion(pk=pk, quote_call_ids=ids) for pk, ids in latest.items()]
    Suggestion.objects.bulk_update(rows, ["quote_call_ids"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0009_calllog_quote_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="quote_call_ids",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
