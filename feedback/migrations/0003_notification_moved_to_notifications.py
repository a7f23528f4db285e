"""Notification now belongs to the notifications app (see its 0001_initial).

State only: the model leaves feedback's state; the table `feedback_notification` and its
rows stay where they are, now owned by notifications.Notification.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_call_logs_suggestions"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
