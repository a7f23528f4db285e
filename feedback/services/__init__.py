"""Every write of the feedback app that carries a rule: the virtual conversation.

A salesperson logs a call (calls.call_log_create) and may correct it for a day
(corrections.call_log_correct); after the commit the engine counts it
and groups its changes into suggestions and their variants (engine); marketing accepts
(the change itself is applied to the draft) or rejects a suggestion
(suggestions.suggestion_accept / suggestion_reject); when a version carrying accepted
wording goes live, its contributors are told (version_published_process); marketing
gets a daily digest (digest). The pure rules the engine applies are in feedback.changes,
feedback.grouping and feedback.evidence; who may do what in feedback.policies.

`from feedback import services` keeps working: the public names are re-exported here.
Patch a name where it is used (e.g. `feedback.services.engine.ENGINE_BATCH`), not here.
"""

from .attention import SUGGESTION_ALERT_REPS, suggestions_notify
from .calls import call_log_create, passage_edits_for, wording_by_passage
from .corrections import call_log_correct, version_recount
from .digest import digest_send_daily
from .drift import drift_check, drift_check_after_commit, drift_review
from .engine import (
    ENGINE_BATCH,
    ENGINE_DRAIN_BATCHES,
    ENGINE_SWEEP_AGE,
    call_log_process,
    call_logs_processed,
    engine_enqueue,
    engine_key,
    engine_sweep,
    version_calls_drain,
    version_calls_process,
)
from .objections import (
    objection_approve,
    objection_merge,
    objection_reject,
    objection_tags_resolve,
    objection_update,
)
from .suggestions import (
    suggestion_accept,
    suggestion_comment,
    suggestion_contributors,
    suggestion_counts_enqueue,
    suggestion_counts_refresh,
    suggestion_quotes_rebuild,
    suggestion_quotes_rebuild_all,
    suggestion_refresh,
    suggestion_reject,
    suggestions_evidence_refresh,
    suggestions_refresh_open,
    version_published_process,
)
from .threads import thread_comment_notify, thread_participants

__all__ = [
    "ENGINE_BATCH",
    "ENGINE_DRAIN_BATCHES",
    "ENGINE_SWEEP_AGE",
    "SUGGESTION_ALERT_REPS",
    "call_log_correct",
    "call_log_create",
    "call_log_process",
    "call_logs_processed",
    "digest_send_daily",
    "drift_check",
    "drift_check_after_commit",
    "drift_review",
    "engine_enqueue",
    "engine_key",
    "engine_sweep",
    "objection_approve",
    "objection_merge",
    "objection_reject",
    "objection_tags_resolve",
    "objection_update",
    "passage_edits_for",
    "suggestion_accept",
    "suggestion_comment",
    "suggestion_contributors",
    "suggestion_counts_enqueue",
    "suggestion_counts_refresh",
    "suggestion_quotes_rebuild",
    "suggestion_quotes_rebuild_all",
    "suggestion_refresh",
    "suggestion_reject",
    "suggestions_evidence_refresh",
    "suggestions_notify",
    "suggestions_refresh_open",
    "thread_comment_notify",
    "thread_participants",
    "version_calls_drain",
    "version_calls_process",
    "version_recount",
    "wording_by_passage",
    "version_published_process",
]
