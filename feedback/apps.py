from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self):
        from messaging.services import version_published

        version_published.connect(
            _enqueue_version_published, dispatch_uid="feedback-version-published"
        )


def _enqueue_version_published(sender, version, **kwargs):
    # Inside the publishing transaction: the outbox row commits with the publish, and
    # the task is sent after the commit (or later, if the broker is down).
    from smarketing import outbox

    from .tasks import version_published_task

    outbox.enqueue(version_published_task, version.pk)
