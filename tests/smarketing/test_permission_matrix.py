"""Every URL of the portal x every persona has an expected outcome.

The list of URLs comes from the URLconf itself: a URL added without an entry in
EXPECTED fails `test_every_url_has_an_expected_outcome`, so no page ships unchecked.

Outcomes: the anonymous visitor is sent to the login page (except the public pages);
a persona in the "allowed" set gets the page or a normal answer to its request (200,
302, 400 or 409: never 403, 404 or 5xx); everybody else gets 403 or 404. Objects in the
URLs belong to team A (rep_a's lead, call, suggestion, notification), so the matrix
also checks object access: rep_b (team B) never reaches team A's private data.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = "public"
ALL = frozenset({"marketer", "rep_a", "rep_b", "manager_a", "admin"})
MARKETING = frozenset({"marketer", "admin"})
SALES = frozenset({"rep_a", "rep_b", "admin"})
LEADERSHIP = frozenset({"marketer", "manager_a", "admin"})
PERSONAS = ["anonymous", "marketer", "rep_a", "rep_b", "manager_a", "admin"]

# url name: (method, allowed personas, URL kwargs from the world, query or POST data)
EXPECTED = {
    "home": ("get", ALL, {}, {}),
    "healthz": ("get", PUBLIC, {}, {}),
    "bench_bare": ("get", ALL, {}, {}),
    "login": ("get", PUBLIC, {}, {}),
    "logout": ("post", PUBLIC, {}, {}),
    "preferences": ("get", ALL, {}, {}),
    "admin:index": ("get", frozenset({"admin"}), {}, {}),
    # messaging
    "messaging:message_library": ("get", ALL, {}, {}),
    "messaging:message_create": ("get", MARKETING, {}, {}),
    "messaging:draft_preview": ("post", MARKETING, {}, {"body": "**x**"}),
    "messaging:persona_list": ("get", ALL, {}, {}),
    "messaging:persona_create": ("get", MARKETING, {}, {}),
    "messaging:persona_edit": ("get", MARKETING, {"persona_pk": "persona"}, {}),
    "messaging:message_detail": ("get", ALL, {"pk": "message"}, {}),
    "messaging:message_edit": ("get", MARKETING, {"pk": "message"}, {}),
    "messaging:version_compare": ("get", ALL, {"pk": "message"}, {"a": 1, "b": 2}),
    "messaging:draft_edit": ("get", MARKETING, {"pk": "message"}, {}),
    "messaging:draft_create": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:draft_autosave": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:draft_publish": ("get", MARKETING, {"pk": "message"}, {}),
    "messaging:draft_discard": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:draft_review": ("get", MARKETING, {"pk": "message"}, {}),
    "messaging:review_submit": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:review_decide": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:review_comment": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:experiment_start": ("get", MARKETING, {"pk": "message"}, {}),
    "messaging:experiment_end": (
        "post",
        MARKETING,
        {"pk": "experiment_message", "experiment_pk": "experiment"},
        {},
    ),  # fmt: skip
    "messaging:message_verify": ("post", MARKETING, {"pk": "message"}, {}),
    "messaging:version_detail": ("get", ALL, {"pk": "message", "number": 2}, {}),
    "messaging:version_restore": ("post", MARKETING, {"pk": "message", "number": 1}, {}),
    "messaging:version_retire": ("post", MARKETING, {"pk": "message", "number": 2}, {}),
    # feedback
    "notifications:notification_list": ("get", ALL, {}, {}),
    "notifications:notifications_read": ("post", ALL, {}, {}),
    "notifications:notification_open": ("post", frozenset({"rep_a"}), {"pk": "notification"}, {}),
    "feedback:call_log_create": ("get", SALES, {}, {}),
    "feedback:call_log_wording": ("get", SALES, {}, {"version": "live_version"}),
    "feedback:call_log_detail": (
        "get",
        frozenset({"rep_a", "manager_a", "marketer", "admin"}),
        {"pk": "call"},
        {},
    ),  # fmt: skip
    # Only the salesperson who logged the call corrects it (24 h): admin sees it, 403.
    "feedback:call_log_correct": ("get", frozenset({"rep_a"}), {"pk": "call"}, {}),
    "feedback:suggestion_inbox": ("get", MARKETING, {}, {}),
    "feedback:suggestion_detail": (
        "get",
        frozenset({"marketer", "admin", "rep_a"}),
        {"pk": "suggestion"},
        {},
    ),  # fmt: skip
    "feedback:suggestion_accept": ("post", MARKETING, {"pk": "suggestion"}, {}),
    "feedback:suggestion_reject": ("post", MARKETING, {"pk": "suggestion"}, {"reason": "x"}),
    "feedback:suggestion_comment": (
        "post",
        frozenset({"marketer", "admin", "rep_a"}),
        {"pk": "suggestion"},
        {"body": "hi"},
    ),  # fmt: skip
    "feedback:my_wording": ("get", SALES, {}, {}),
    "feedback:objection_list": ("get", MARKETING, {}, {}),
    "feedback:passage_quotes": (
        "get",
        ALL,
        {"version_pk": "live_version", "passage_key": "passage_key"},
        {},
    ),  # fmt: skip
    "feedback:passage_drift_review": ("post", MARKETING, {"pk": "drift"}, {}),
    "feedback:objection_edit": ("get", MARKETING, {"pk": "objection"}, {}),
    "feedback:objection_reject": ("post", MARKETING, {"pk": "objection"}, {}),
    "feedback:objection_merge": ("get", MARKETING, {"pk": "objection"}, {}),
    # leads
    "leads:home": ("get", ALL, {}, {}),
    "leads:list": ("get", frozenset({"marketer", "manager_a", "admin"}), {}, {}),
    "leads:create": ("get", MARKETING, {}, {}),
    "leads:qualify": ("post", MARKETING, {}, {}),
    "leads:handoff": ("get", MARKETING, {}, {}),
    "leads:queue": ("get", SALES, {}, {}),
    "leads:team": ("get", frozenset({"manager_a", "admin"}), {}, {}),
    "leads:report": ("get", MARKETING, {}, {}),
    "leads:imports": ("get", MARKETING, {}, {}),
    "leads:import_detail": ("get", MARKETING, {"pk": "lead_list"}, {}),
    "leads:import_rejections_csv": ("get", MARKETING, {"pk": "lead_list"}, {}),
    "leads:play_list": ("get", MARKETING, {}, {}),
    "leads:play_create": ("get", MARKETING, {}, {}),
    "leads:play_edit": ("get", MARKETING, {"pk": "play"}, {}),
    "leads:play_archive": ("get", MARKETING, {"pk": "play"}, {}),
    "leads:play_delete": ("get", MARKETING, {"pk": "play"}, {}),
    "leads:persona_detail": ("get", ALL, {"pk": "persona"}, {}),
    "leads:handoff_accept": ("post", frozenset({"rep_a"}), {"pk": "handoff"}, {}),
    "leads:detail": (
        "get",
        frozenset({"marketer", "rep_a", "manager_a", "admin"}),
        {"pk": "lead"},
        {},
    ),  # fmt: skip
    "leads:attempt_log": ("post", frozenset({"rep_a"}), {"pk": "lead"}, {}),
    "leads:disqualify": ("post", frozenset({"rep_a", "manager_a", "admin"}), {"pk": "lead"}, {}),
    "leads:opportunity_create": ("post", frozenset({"rep_a", "admin"}), {"pk": "lead"}, {}),
    "leads:opportunity_close": (
        "post",
        frozenset({"rep_a", "manager_a", "admin"}),
        {"pk": "lead"},
        {},
    ),  # fmt: skip
    "leads:reassign": ("post", frozenset({"manager_a", "admin"}), {"pk": "lead"}, {}),
    "leads:recycle": ("post", MARKETING, {"pk": "lead"}, {}),
    # the agreement: everyone reads it; the heads (none of these personas) sign it, and
    # the admin may propose and withdraw; an admin's press of Sign is refused politely
    "leads:agreement": ("get", ALL, {}, {}),
    "leads:agreement_propose": ("get", frozenset({"admin"}), {}, {}),
    "leads:agreement_sign": ("post", frozenset({"admin"}), {"pk": "agreement"}, {}),
    "leads:agreement_withdraw": ("post", frozenset({"admin"}), {"pk": "agreement"}, {}),
    "leads:capacity": ("get", LEADERSHIP, {}, {}),
    "leads:growth_target": ("get", frozenset({"admin"}), {}, {}),
    # insight: marketing and sales leadership
    "insight:attribution": ("get", LEADERSHIP, {}, {}),
    "insight:attribution_csv": ("get", LEADERSHIP, {"key": "revenue"}, {}),
    "insight:loop_health": ("get", LEADERSHIP, {}, {}),
    "insight:loop_health_csv": ("get", LEADERSHIP, {"key": "handoffs"}, {}),
    "insight:scorecards": ("get", LEADERSHIP, {}, {}),
    "insight:scorecards_csv": ("get", LEADERSHIP, {}, {}),
    "insight:disqualifications": ("get", LEADERSHIP, {}, {}),
    "insight:experiment_readout": ("get", LEADERSHIP, {"pk": "experiment"}, {}),
    "insight:disqualifications_csv": ("get", LEADERSHIP, {}, {}),
    # api: the pages behind the API (its JSON operations: tests/api/test_permission_matrix.py)
    "api:tokens": ("get", ALL, {}, {}),
    "api:token_revoke": ("post", frozenset({"rep_a"}), {"pk": "api_token"}, {}),
    "api:webhooks": ("get", MARKETING, {}, {}),
    "api:webhook_detail": ("get", MARKETING, {"pk": "webhook"}, {}),
    "api:delivery_resend": ("post", MARKETING, {"pk": "webhook_delivery"}, {}),
}


def url_names(resolver=None, namespace=""):
    """Every named URL in the URLconf, as "namespace:name" (admin: only its index)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                yield "admin:index"
                continue
            if entry.namespace == "api-v1":
                continue  # JSON, with its own matrix: tests/api/test_permission_matrix.py
            yield from url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_has_an_expected_outcome():
    missing = sorted(set(url_names()) - set(EXPECTED))
    assert missing == [], f"add these URLs to EXPECTED in {__file__}: {missing}"
    stale = sorted(set(EXPECTED) - set(url_names()))
    assert stale == [], f"these EXPECTED entries match no URL any more: {stale}"


CASES = [(name, persona) for name in EXPECTED for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_url_outcome_per_persona(request, client, world, name, persona):
    method, allowed, kwargs, data = EXPECTED[name]
    url = reverse(name, kwargs={k: world.get(v, v) for k, v in kwargs.items()})
    data = {k: world.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(url, data)
    status = response.status_code
    if allowed == PUBLIC:
        assert status in (200, 302), (url, persona, status)
    elif persona == "anonymous":
        assert status == 302, (url, status)
        assert "/login/" in response["Location"], (url, response["Location"])
    elif persona in allowed:
        assert status in (200, 302, 400, 409, 422), (url, persona, status)
        if status == 302:
            assert "/login/" not in response["Location"], (url, persona)
    else:
        assert status in (403, 404) or (
            name == "admin:index" and status == 302 and "/admin/login/" in response["Location"]
        ), (url, persona, status)
