from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self):
        from messaging.services import version_published

        version_published.connect(
            _enqueue_version_published, dispatch_uid="feedback-version-published"
        )
        from .services import call_logs_processed

        call_logs_processed.connect(_suggestions_notify, dispatch_uid="feedback-attention")


def _enqueue_version_published(sender, version, **kwargs):
    # Inside the publishing transaction: the outbox row commits with the publish, and
    # the task is sent after the commit (or later, if the broker is down).
    from smarketing import outbox

    from .tasks import version_published_task

    outbox.enqueue(version_published_task, version.pk)


def _suggestions_notify(sender, call_logs, **kwargs):
    # In the engine's transaction: the notices commit with the suggestions they name.
    from .services.attention import suggestions_notify

    suggestions_notify(call_logs=call_logs)
