"""Every write of the leads app that carries a rule, one module per topic:

- intake: entering a lead by hand, qualifying leads (MQL);
- handoff: marketing handing leads to sales, a salesperson accepting them;
- work: attempts, disqualifying, recycling, reassigning;
- opportunities: converting a lead into a deal, closing it won or lost;
- sla: the follow-up clocks and the breach scan;
- imports: lead lists from CSV files;
- plays: the plays marketing writes for sales;
- agreement: the agreement both heads sign, and the rules in force;
- capacity: how many new leads a team can take, and the backlog past it;
- recommend: the play recommended with a lead at handoff.

Who may do what with a lead, and when, is leads.policies; each function here checks it
first, validates, then writes inside one transaction; notifications and background work
are sent after the commit. Callers use `from leads import services` and the names below,
whichever module holds them.
"""

from ..policies import DisqualifyCheck, disqualify_check
from .agreement import (
    agreement_in_force,
    agreement_propose,
    agreement_redline,
    agreement_sign,
    agreement_withdraw,
    growth_target_set,
    terms_in_force,
)
from .capacity import backlog_keeps_growing, backlog_sizes, team_capacity
from .handoff import (
    BACKLOG_KEY,
    HandoffAlreadyTaken,
    backlog_release,
    backlog_release_soon,
    handoff_accept,
    lead_handoff,
)
from .imports import (
    IMPORT_BATCH_SIZE,
    _import_batch,
    lead_import_create,
    lead_import_file,
    lead_import_run,
    lead_import_set_mapping,
    lead_import_start,
    lead_imports_stalled_resume,
)
from .intake import LEAD_CREATE_FIELDS, lead_create, lead_qualify
from .opportunities import opportunity_changed, opportunity_close, opportunity_create
from .plays import play_archive, play_create, play_delete, play_update
from .recommend import play_recommendation, recommendation_shown
from .sla import (
    _next_step_due,
    handoff_clock_changed,
    sla_breaches_scan,
    sla_policies,
    sla_policy_for,
)
from .work import attempt_log, lead_disqualify, lead_reassign, lead_recycle

__all__ = [
    "BACKLOG_KEY",
    "agreement_in_force",
    "agreement_propose",
    "agreement_redline",
    "agreement_sign",
    "agreement_withdraw",
    "backlog_keeps_growing",
    "backlog_release",
    "backlog_release_soon",
    "backlog_sizes",
    "growth_target_set",
    "play_recommendation",
    "recommendation_shown",
    "team_capacity",
    "terms_in_force",
    "IMPORT_BATCH_SIZE",
    "LEAD_CREATE_FIELDS",
    "DisqualifyCheck",
    "HandoffAlreadyTaken",
    "_import_batch",
    "_next_step_due",
    "attempt_log",
    "disqualify_check",
    "handoff_accept",
    "handoff_clock_changed",
    "lead_create",
    "lead_disqualify",
    "lead_handoff",
    "lead_import_create",
    "lead_import_file",
    "lead_import_run",
    "lead_import_set_mapping",
    "lead_import_start",
    "lead_imports_stalled_resume",
    "lead_qualify",
    "lead_reassign",
    "lead_recycle",
    "opportunity_changed",
    "play_archive",
    "play_create",
    "play_delete",
    "play_update",
    "opportunity_close",
    "opportunity_create",
    "sla_breaches_scan",
    "sla_policies",
    "sla_policy_for",
]
