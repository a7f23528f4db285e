"""Notification moves here from the feedback app without touching its table.

State only (SeparateDatabaseAndState): the table `feedback_notification` was created by
feedback.0001_initial and keeps its name (Meta.db_table), rows, index and constraint.
Depending on that migration makes sure the table exists on a fresh database before
this app claims it; feedback.0003 then drops the model from feedback's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("feedback", "0002_call_logs_suggestions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=40)),
                        ("text", models.CharField(max_length=500)),
                        ("url", models.CharField(blank=True, max_length=500)),
                        ("dedupe_key", models.CharField(blank=True, max_length=200, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "feedback_notification",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(
                                fields=["recipient", "read_at", "-created_at"],
                                name="feedback_no_recipie_2e1fd8_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("recipient", "dedupe_key"),
                                name="notification_once_per_event",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
