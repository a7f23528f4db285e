"""Text a person types has a limit, and going past it says so and keeps the text.

Unbounded notes let one 2 MB note make a 2 MB queue page; over-long comments and
rejection reasons were dropped with a misleading "Write a comment first".
"""

import pytest
from django.urls import reverse

from feedback.models import Suggestion, SuggestionComment
from leads.models import Attempt, Handoff, Lead
from messaging.models import Persona
from tests.feedback.conftest import SAID

TOO_LONG = "Lorem ipsum dolor sit amet " * 400  # 10,800 characters


def test_an_over_long_comment_says_how_long_and_keeps_the_text(client, rep_a, v1, log_call):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    client.force_login(rep_a)
    url = reverse("feedback:suggestion_comment", args=[suggestion.pk])
    response = client.post(url, {"body": TOO_LONG})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Write a comment first" not in text
    assert "at most 4000 characters" in text
    assert TOO_LONG.strip()[:200] in text
    assert not SuggestionComment.objects.exists()


def test_an_empty_comment_still_asks_for_one(client, rep_a, v1, log_call):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    client.force_login(rep_a)
    url = reverse("feedback:suggestion_comment", args=[suggestion.pk])
    response = client.post(url, {"body": ""}, follow=True)
    assert "Write a comment first" in response.content.decode()


def test_an_over_long_rejection_reason_says_how_long_and_keeps_the_text(
    client, marketer, rep_a, v1, log_call
):
    log_call(rep_a, v1, said=SAID)
    suggestion = Suggestion.objects.get()
    client.force_login(marketer)
    response = client.post(
        reverse("feedback:suggestion_reject", args=[suggestion.pk]), {"reason": TOO_LONG}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "at most 2000 characters" in text and TOO_LONG.strip()[:200] in text
    assert Suggestion.objects.get().status == suggestion.status


def test_an_over_long_attempt_note_is_refused_with_the_limit(client, rep_a, accepted_by):
    lead = accepted_by(rep_a)
    client.force_login(rep_a)
    response = client.post(
        reverse("leads:attempt_log", args=[lead.pk]),
        {"channel": "call", "outcome": "no_answer", "note": TOO_LONG},
    )
    assert response.status_code in (400, 422)
    text = response.content.decode()
    # The lead page has no note box (notes come with a logged conversation or a script),
    # so the page says why and keeps the channel and outcome choices.
    assert f"at most {Attempt.NOTE_MAX} characters" in text
    assert not Attempt.objects.exists()


def test_an_over_long_disqualification_note_is_refused_with_the_text_kept(
    client, rep_a, accepted_by, no_budget, sla
):
    lead = accepted_by(rep_a)
    client.force_login(rep_a)
    response = client.post(
        reverse("leads:disqualify", args=[lead.pk]), {"reason": no_budget.pk, "note": TOO_LONG}
    )
    assert response.status_code in (400, 422)
    text = response.content.decode()
    assert f"at most {Lead.NOTE_MAX} characters" in text and TOO_LONG.strip()[:200] in text


def test_an_over_long_persona_description_is_refused_with_the_text_kept(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("messaging:persona_create"), {"name": "CFO", "description": TOO_LONG}
    )
    assert response.status_code in (200, 400, 422)
    text = response.content.decode()
    assert f"at most {Persona.DESCRIPTION_MAX} characters" in text
    assert TOO_LONG.strip()[:200] in text
    assert not Persona.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Attempt, "note", "NOTE_MAX"),
        (Handoff, "note", "NOTE_MAX"),
        (Lead, "disqualification_note", "NOTE_MAX"),
        (Persona, "description", "DESCRIPTION_MAX"),
    ],
)
def test_the_models_carry_the_limits(model, field, limit):
    assert model._meta.get_field(field).max_length == getattr(model, limit)
