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
    # The signal is sent after the publishing transaction commits.
    from .tasks import version_published_task

    version_published_task.delay(version.pk)
