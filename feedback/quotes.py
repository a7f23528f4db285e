"""The customer quotes a suggestion's card shows, and the rollup that serves them.

A suggestion's quotes are the customer's own words (CallLog.quote) from the calls whose
wording made its edits:

1. only calls with a quote, each call once (a call may make two edits of one suggestion);
2. newest call first: by the call's time, then by its id, so that two calls logged at
   the same minute always come in the same order;
3. at most QUOTES_SHOWN per suggestion, however many edits the suggestion groups.

`latest_quoted_calls` is that rule computed from the edits, at request time. The inbox
does not run it: the engine keeps each suggestion's answer in `Suggestion.quote_call_ids`
(rebuilt, never added to, for the suggestions a write touches, by
feedback.services.suggestions; in full by manage.py suggestion_rollups_rebuild), and
the page reads those few calls by primary key. Reading "the newest quoted edits of 25
suggestions" at request time grew with the suggestions' support (the best ranked ones
group thousands of edits) and its plan depended on the planner's guess for
`suggestion_id IN (...)` (issue 19).
"""

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from .models import PassageEdit

QUOTES_SHOWN = 3


def latest_quoted_calls(
    suggestion_ids, *, per: int = QUOTES_SHOWN, visible: Q | None = None
) -> dict[int, list[int]]:
    """Suggestion id -> the ids of its newest quoted calls (rules 1 to 3), newest first;
    suggestions without a quote are left out. `visible` narrows the edits (a Q on
    PassageEdit, e.g. the calls a person's team logged: leads.policies.customer_data_q).

    One query: the distinct (suggestion, call) pairs with a quote, numbered newest first
    within each suggestion, and only the first `per` of each returned."""
    ids = list(suggestion_ids)
    if not ids:
        return {}
    pairs = (
        PassageEdit.objects.filter(suggestion_id__in=ids)
        .filter(visible or Q())
        .exclude(call_log__quote="")
        .order_by()
        .values("suggestion_id", "call_log_id", "call_log__occurred_at")
        .annotate(edits=Count("pk"))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("suggestion_id")],
                order_by=[F("call_log__occurred_at").desc(), F("call_log_id").desc()],
            )
        )
        .filter(rank__lte=per)
        .values_list("suggestion_id", "call_log_id", "rank")
    )
    latest: dict[int, list[int]] = {}
    for suggestion_id, call_id, _rank in sorted(pairs, key=lambda row: (row[0], row[2])):
        latest.setdefault(suggestion_id, []).append(call_id)
    return latest
