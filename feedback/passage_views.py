"""The feedback pages about one passage: all its quotes, and marking its drift reviewed.

A module of its own beside views.py: these are reached from messaging's pages (through
the notes feedback puts on passages, feedback.annotations), not from the inbox.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from smarketing.roles import MARKETING, role_required
from smarketing.web import error_messages, page_of, redirect_back

from . import selectors, services
from .services.drift import passage_url


@require_GET
def passage_quotes(request, version_pk, passage_key):
    version, passage, quotes = selectors.passage_quotes_page(
        user=request.user, version_pk=version_pk, passage_key=passage_key
    )
    page = page_of(request, quotes)
    return render(
        request,
        "feedback/passage_quotes.html",
        {"version": version, "passage": passage, "page_obj": page, "quotes": page.object_list},
    )


@role_required(MARKETING)
@require_POST
def passage_drift_review(request, pk):
    drift = selectors.drift_for_review(pk=pk)
    try:
        services.drift_review(drift=drift, user=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(error_messages(exc)))
    else:
        messages.success(request, "Marked reviewed: the drifting badge leaves the message.")
    return redirect_back(request, passage_url(drift.version, drift.passage_key))
