"""Moving Notification from feedback to notifications moved no data: the migrations only
change Django's state, and the table keeps its name."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import Notification

BEFORE = [("feedback", "0002_call_logs_suggestions"), ("notifications", None)]
AFTER = [
    ("feedback", "0003_notification_moved_to_notifications"),
    ("notifications", "0001_initial"),
]


def test_the_model_keeps_the_table_it_had_in_feedback():
    assert Notification._meta.db_table == "feedback_notification"


@pytest.mark.django_db(transaction=True)
def test_a_notification_written_before_the_move_is_read_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state([BEFORE[0]]).apps
    user = old_apps.get_model("auth", "User").objects.create(username="before_the_move")
    old_apps.get_model("feedback", "Notification").objects.create(
        recipient_id=user.pk, kind="wording_shipped", text="Your wording shipped"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER).apps
    moved = new_apps.get_model("notifications", "Notification").objects.get()
    assert (moved.recipient_id, moved.text) == (user.pk, "Your wording shipped")
    assert "feedback" not in {
        model._meta.app_label
        for model in new_apps.get_models()
        if model._meta.object_name == "Notification"
    }

    # Back to the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
