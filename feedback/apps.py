from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self):
        from messaging import annotations, freshness
        from messaging.services import version_published

        from . import annotations as feedback_annotations
        from .services import call_logs_processed

        version_published.connect(
            _enqueue_version_published, dispatch_uid="feedback-version-published"
        )
        call_logs_processed.connect(_suggestions_notify, dispatch_uid="feedback-attention")
        # The engine's batches, once committed, recompute their versions' drift.
        call_logs_processed.connect(_drift_after_batch, dispatch_uid="feedback-drift-check")
        # Quotes and drift on messaging's pages (messaging cannot import feedback).
        annotations.register_passage_annotator(feedback_annotations.passage_quotes)
        annotations.register_passage_annotator(feedback_annotations.passage_drifts)
        annotations.register_message_flagger(feedback_annotations.message_drifts)
        # Reasons for a message's owner to review it (messaging.freshness).
        freshness.register_review_reasons(feedback_annotations.message_review_reasons)


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


def _drift_after_batch(sender, call_logs, **kwargs):
    from .services.drift import drift_check_after_commit

    drift_check_after_commit(version_ids={call.version_id for call in call_logs if call.version_id})
