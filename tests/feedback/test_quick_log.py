"""Logging a conversation in 30 seconds: the quick-log panel on the queue and the lead
page, general calls with no message, and double submits that count once."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import CallLog, ObjectionTag, PassageEdit, Suggestion, VersionStats
from leads.models import Attempt
from smarketing.idempotency import new_key
from tests.feedback.conftest import BODY, SAID
from tests.support.factories import PlayFactory, PlayStepFactory
from tests.support.messaging_factories import make_message, publish

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cfo_play(v1):
    play = PlayFactory(name="CFO outreach")
    PlayStepFactory(play=play, position=0, day_offset=0, channel="call", message=v1.message)
    return play


def _passage_field(version, position):
    return "passage_" + version.passages.get(position=position).key


def quick_post(lead, version, **overrides):
    data = {
        "lead": lead.pk,
        "version": version.pk if version else "",
        "view": "queue",
        "channel": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reaction": 4,
        "outcome": "meeting_booked",
    }
    if version is not None:
        for passage in version.passages.all():
            data["passage_" + passage.key] = passage.text
    data.update(overrides)
    return data


# --- General calls ----------------------------------------------------------------------


def test_a_general_call_counts_as_an_attempt_and_feeds_no_suggestion(
    rep_a, v1, accepted_by, django_capture_on_commit_callbacks
):
    lead = accepted_by(rep_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call = services.call_log_create(
            user=rep_a, lead=lead, version=None, reaction=3, outcome="not_now",
            edited_body="whatever was typed", quote="Call me in spring",
        )  # fmt: skip
    lead.refresh_from_db()
    assert call.version is None and call.edited_body == "" and not call.has_edits
    assert lead.attempt_count == 1 and call.attempt.outcome == Attempt.Outcome.CONNECTED
    assert not PassageEdit.objects.exists()
    assert not VersionStats.objects.exists() and not Suggestion.objects.exists()
    # Nothing is left waiting for the engine: the sweep has no version to enqueue.
    assert call.processed_at is not None and services.engine_sweep() == 0
    assert callbacks == []


def test_a_general_call_leaves_the_versions_figures_as_they_were(rep_a, v1, log_call):
    log_call(rep_a, v1, said=SAID, reaction=5)
    before = VersionStats.objects.values().get(version=v1)
    log_call(rep_a, None, said="", reaction=1, outcome="not_interested")
    after = VersionStats.objects.values().get(version=v1)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert CallLog.objects.count() == 2 and PassageEdit.objects.count() == 1


def test_a_general_call_cannot_quote_a_passage(rep_a, v1, accepted_by):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.call_log_create(
            user=rep_a, lead=accepted_by(rep_a), version=None, reaction=3,
            outcome="not_now", quote_passage_key=v1.passages.first().key,
        )  # fmt: skip


def test_the_panel_logs_a_general_call(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"), quick_post(lead, None, view=""), follow=True
    )
    call = CallLog.objects.get()
    assert call.version is None and call.lead == lead
    assert "general call, no message used" in response.content.decode()


# --- The panel ----------------------------------------------------------------------------


def test_connected_on_the_queue_opens_the_panel_without_logging_anything(
    client_for, rep_a, cfo_play, accepted_by
):
    lead = accepted_by(rep_a, play=cfo_play)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create") + "?open=1",
        {"lead": lead.pk, "view": "queue", "channel": "social", "outcome": "connected"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="quick-log-form-{lead.pk}"' in html and "<html" not in html
    assert "Finance teams lose four days a month reconciling spreadsheets." in html
    assert '<option value="social" selected>' in html
    assert not Attempt.objects.exists() and not CallLog.objects.exists()


def test_the_queue_and_lead_page_offer_the_quick_log(client_for, rep_a, cfo_play, accepted_by):
    lead = accepted_by(rep_a, play=cfo_play)
    for url in (reverse("leads:queue"), reverse("leads:detail", args=[lead.pk])):
        html = client_for(rep_a).get(url).content.decode()
        assert f'id="quick-log-{lead.pk}"' in html
        assert 'class="primary quick-log-open"' in html
        assert f"/feedback/calls/new/?lead={lead.pk}&amp;view=" in html


def test_required_fields_are_marked(client_for, rep_a, cfo_play, accepted_by):
    lead = accepted_by(rep_a, play=cfo_play)
    html = (
        client_for(rep_a)
        .get(reverse("feedback:call_log_create"), {"lead": lead.pk, "view": "queue"}, **HX)
        .content.decode()
    )
    assert html.count('<span class="visually-hidden">(required)</span>') == 2
    assert "No message / general call" in html


def test_an_edited_passage_is_stored_as_that_passages_edit(
    client_for, rep_a, v1, cfo_play, accepted_by
):
    lead = accepted_by(rep_a, play=cfo_play)
    said = "Finance teams lose four days a month reconciling spreadsheets by hand."
    quoted = v1.passages.get(position=1).key
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"),
        quick_post(lead, v1, **{_passage_field(v1, 1): said, "quote": "Six days for us",
                                "quote_passage_key": quoted}),
        **HX,
    )  # fmt: skip
    html = response.content.decode()
    assert f'id="lead-{lead.pk}"' in html and "with 1 change to the wording" in html
    call = CallLog.objects.get()
    edit = call.passage_edits.get()
    assert (edit.kind, edit.passage_key) == ("replace", quoted)
    assert "by hand" in edit.edited_text
    assert call.quote_passage_key == quoted and call.quote == "Six days for us"
    assert call.edited_body == BODY.replace(
        "Finance teams lose four days a month reconciling spreadsheets.", said
    )


def test_an_emptied_passage_is_left_out(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    client_for(rep_a).post(
        reverse("feedback:call_log_create"), quick_post(lead, v1, **{_passage_field(v1, 2): ""})
    )
    assert CallLog.objects.get().passage_edits.get().kind == "remove"


def test_a_refused_panel_stays_in_place_with_what_was_typed(
    client_for, rep_a, v1, cfo_play, accepted_by
):
    lead = accepted_by(rep_a, play=cfo_play)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"),
        quick_post(lead, v1, reaction="", quote="Four days? Six.",
                   **{_passage_field(v1, 1): "We heard you lose six days."}),
        **HX,
    )  # fmt: skip
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#quick-log-form-{lead.pk}"
    html = response.content.decode()
    assert "This field is required" in html and "Four days? Six." in html
    assert "We heard you lose six days." in html and "<details open>" in html
    assert not CallLog.objects.exists() and not Attempt.objects.exists()


def test_switching_version_shows_its_passages_without_a_confirm_dialog(
    client_for, rep_a, marketer, v1, cfo_play, accepted_by
):
    lead = accepted_by(rep_a, play=cfo_play)
    panel = client_for(rep_a).get(
        reverse("feedback:call_log_create"), {"lead": lead.pk, "view": "queue"}, **HX
    )
    assert "hx-confirm" not in panel.content.decode()
    other = publish(
        make_message(marketer, title="ROI email", body="Save money.\n\nCall us."), marketer
    )
    html = (
        client_for(rep_a)
        .get(reverse("feedback:call_log_wording"),
             {"version": other.pk, "lead": lead.pk, "view": "queue"}, **HX)
        .content.decode()
    )  # fmt: skip
    assert f'id="passages-{lead.pk}"' in html and "Save money." in html
    general = client_for(rep_a).get(
        reverse("feedback:call_log_wording"), {"version": "", "lead": lead.pk}, **HX
    )
    assert "General call" in general.content.decode()


def test_the_panel_offers_the_plays_versions_first(client_for, rep_a, marketer, v1, accepted_by):
    roi = publish(make_message(marketer, title="ROI email", body="Save money."), marketer)
    play = PlayFactory(name="Two messages")
    PlayStepFactory(play=play, position=0, day_offset=0, channel="email", message=roi.message)
    PlayStepFactory(play=play, position=1, day_offset=2, channel="call", message=v1.message)
    lead = accepted_by(rep_a, play=play)
    html = (
        client_for(rep_a)
        .get(reverse("feedback:call_log_create"), {"lead": lead.pk, "view": "queue"}, **HX)
        .content.decode()
    )
    assert html.index("ROI email · v1") < html.index("Value proposition for CFOs · v1")
    assert f'<option value="{roi.pk}" selected>' in html


def _company(marketer, accepted_by, rep, size):
    """A play of `size` messages of `size` passages each, `size` objection tags."""
    play = PlayFactory(name=f"Play {size}")
    for i in range(size):
        body = "\n\n".join(f"Passage {j} of message {i}." for j in range(size))
        version = publish(make_message(marketer, title=f"M{size}-{i}", body=body), marketer)
        PlayStepFactory(play=play, position=i, day_offset=i, channel="call",
                        message=version.message)  # fmt: skip
        ObjectionTag.objects.create(name=f"Objection {size}-{i}")
    return [accepted_by(rep, play=play) for _ in range(size)]


def test_the_panel_and_the_queue_keep_their_query_count_at_two_sizes(
    client_for, rep_a, marketer, accepted_by, django_assert_max_num_queries
):
    client = client_for(rep_a)
    counts = []
    for size in (2, 8):
        leads = _company(marketer, accepted_by, rep_a, size)
        client.get(reverse("leads:queue"))  # warm the session
        for url, params in (
            (reverse("feedback:call_log_create"), {"lead": leads[0].pk, "view": "queue"}),
            (reverse("leads:queue"), {}),
        ):
            with django_assert_max_num_queries(16) as captured:
                response = client.get(url, params, **HX)
            assert response.status_code == 200
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:], counts


# --- Double submits -------------------------------------------------------------------


def test_the_same_post_twice_logs_one_call_and_one_attempt(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    data = quick_post(lead, v1, view="", idempotency_key=new_key())
    first = client_for(rep_a).post(reverse("feedback:call_log_create"), data)
    second = client_for(rep_a).post(reverse("feedback:call_log_create"), data)
    call = CallLog.objects.get()
    assert Attempt.objects.filter(lead=lead).count() == 1
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"]
        == second["Location"]
        == reverse("feedback:call_log_detail", args=[call.pk])
    )


def test_each_rendered_form_carries_its_own_token(client_for, rep_a, v1, accepted_by):
    lead = accepted_by(rep_a)
    pages = [
        client_for(rep_a).get(reverse("feedback:call_log_create"), {"lead": lead.pk})
        for _ in range(2)
    ]
    tokens = [page.context["form"]["idempotency_key"].value() for page in pages]
    assert all(tokens) and tokens[0] != tokens[1]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_posts_log_one_call(rep_a, marketer, accepted_by):
    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL (the CI's second run)")
    version = publish(make_message(marketer, title="Race", body=BODY), marketer)
    lead = accepted_by(rep_a)
    key = new_key()
    barrier = threading.Barrier(2)
    calls = []

    def post():
        from django.db import connections

        try:
            barrier.wait()
            calls.append(
                services.call_log_create(
                    user=rep_a,
                    lead=lead,
                    version=version,
                    reaction=4,
                    outcome="interested",
                    edited_body=SAID,
                    idempotency_key=key,
                )  # fmt: skip
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CallLog.objects.filter(lead=lead).count() == 1
    assert Attempt.objects.filter(lead=lead).count() == 1
    assert len(calls) == 2 and calls[0].pk == calls[1].pk


def test_saving_from_the_lead_page_reloads_it_with_the_conversation(
    client_for, rep_a, v1, cfo_play, accepted_by
):
    lead = accepted_by(rep_a, play=cfo_play)
    response = client_for(rep_a).post(
        reverse("feedback:call_log_create"), quick_post(lead, v1, view="detail"), **HX
    )
    assert response["HX-Redirect"] == reverse("leads:detail", args=[lead.pk])
    page = client_for(rep_a).get(response["HX-Redirect"]).content.decode()
    assert "Conversation with" in page and "Value proposition for CFOs v1" in page


def test_a_general_call_shows_on_the_lead_page(client_for, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    services.call_log_create(user=rep_a, lead=lead, reaction=3, outcome="not_now")
    page = client_for(rep_a).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "general call" in page
