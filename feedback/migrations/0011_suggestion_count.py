"""The suggestion counts rollup (feedback.models.SuggestionCount), filled from the
suggestions (one grouped count, as feedback.services.suggestion_counts_refresh does)."""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

STATUSES = ["open", "accepted", "rejected", "stale"]


def fill(apps, schema_editor):
    Suggestion = apps.get_model("feedback", "Suggestion")
    SuggestionCount = apps.get_model("feedback", "SuggestionCount")
    counted = dict(Suggestion.objects.order_by().values_list("status").annotate(n=Count("pk")))
    now = timezone.now()
    SuggestionCount.objects.bulk_create(
        [SuggestionCount(status=s, count=counted.get(s, 0), updated_at=now) for s in STATUSES]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0010_suggestion_quote_call_ids"),
    ]

    operations = [
        migrations.CreateModel(
            name="SuggestionCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                            ("stale", "Stale (passage gone)"),
                        ],
                        max_length=10,
                        unique=True,
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
