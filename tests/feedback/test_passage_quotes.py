"""Stories: what customers said about a passage is shown on that passage, on the version
page and in the editor, and nowhere else."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.annotations import QUOTES_SHOWN
from messaging import services as messaging_services

pytestmark = pytest.mark.django_db


def passage_block(html: str, key: str) -> str:
    """The HTML of one passage's block on a page (messaging/_passages.html)."""
    start = rf'<div class="passage[^"]*" id="passage-{key}"'
    until = r'(?=<div class="passage(?: annotated)?" id=|</article>)'
    match = re.search(start + ".*?" + until, html, re.S)
    assert match, f"passage {key} is not on the page"
    return match.group(0)


def quote_on(log_call, rep, version, key, text, *, days_ago=0, reaction=4):
    call = log_call(rep, version, reaction=reaction, quote=text, quote_passage_key=key)
    call.occurred_at = timezone.now() - timedelta(days=days_ago)
    call.save(update_fields=["occurred_at"])
    return call


def test_a_quote_on_the_second_passage_shows_there_and_nowhere_else(
    client_for, rep_a, rep_b, marketer, v1, log_call
):
    rep_a.first_name, rep_a.last_name = "Ann", "Archer"
    rep_a.save()
    first, second, third = v1.passages.order_by("position")
    quote_on(log_call, rep_a, v1, second.key, "Four days? For us it is six.")

    # rep_a's own team and marketing read it (team B does not: test_team_exposure).
    for viewer in (rep_a, marketer):
        page = client_for(viewer).get(
            reverse("messaging:version_detail", args=[v1.message_id, v1.number])
        )
        html = page.content.decode()
        block = passage_block(html, second.key)
        assert "1 quote" in block
        assert "Four days? For us it is six." in block
        assert "Ann Archer, positive" in block
        assert "Four days" not in passage_block(html, first.key)
        assert "Four days" not in passage_block(html, third.key)
        assert html.count("Four days? For us it is six.") == 1


def test_the_editor_shows_the_quotes_beside_the_passage_being_rewritten(
    client_for, rep_a, marketer, v1, log_call
):
    second = v1.passages.get(position=1)
    quote_on(log_call, rep_a, v1, second.key, "Four days? For us it is six.")
    messaging_services.draft_create(message=v1.message, user=marketer)

    html = client_for(marketer).get(reverse("messaging:draft_edit", args=[v1.message_id]))
    html = html.content.decode()

    block = passage_block(html, second.key)
    assert "Four days? For us it is six." in block
    assert html.count("Four days? For us it is six.") == 1
    assert f'id="passage-{v1.passages.get(position=0).key}"' not in html  # no quote, not listed


def test_a_quote_with_html_is_shown_as_text(client_for, rep_a, rep_b, v1, log_call):
    second = v1.passages.get(position=1)
    quote_on(log_call, rep_a, v1, second.key, '<script>alert("x")</script><b>cheap</b>')

    html = client_for(rep_a).get(
        reverse("messaging:version_detail", args=[v1.message_id, v1.number])
    )
    html = html.content.decode()

    assert "<script>alert" not in html
    assert "<b>cheap</b>" not in html
    assert "&lt;b&gt;cheap&lt;/b&gt;" in passage_block(html, second.key)


def test_the_newest_quotes_come_first_and_the_rest_are_a_link_away(client_for, rep_a, v1, log_call):
    second = v1.passages.get(position=1)
    for days in range(5):
        quote_on(log_call, rep_a, v1, second.key, f"Said {days} days ago", days_ago=days)

    # rep_a's team reads them (another team's salesperson does not: test_team_exposure).
    html = client_for(rep_a).get(
        reverse("messaging:version_detail", args=[v1.message_id, v1.number])
    )
    block = passage_block(html.content.decode(), second.key)

    assert "5 quotes" in block
    shown = re.findall(r"Said (\d) days ago", block)
    assert shown == [str(d) for d in range(QUOTES_SHOWN)]  # newest first, capped
    more = reverse("feedback:passage_quotes", args=[v1.pk, second.key])
    assert f'href="{more}"' in block
    everything = client_for(rep_a).get(more).content.decode()
    assert re.findall(r"Said (\d) days ago", everything) == ["0", "1", "2", "3", "4"]


def test_the_quotes_page_of_an_unknown_passage_is_not_found(client_for, rep_b, v1):
    response = client_for(rep_b).get(reverse("feedback:passage_quotes", args=[v1.pk, "nokey"]))
    assert response.status_code == 404


@pytest.mark.parametrize("quotes", [1, 12])
def test_the_version_page_reads_all_quotes_in_one_query(
    client_for, rep_a, rep_b, v1, log_call, quotes
):
    for passage in v1.passages.all():
        for n in range(quotes):
            quote_on(log_call, rep_a, v1, passage.key, f"Quote {n}")
    client = client_for(rep_b)
    url = reverse("messaging:version_detail", args=[v1.message_id, v1.number])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    quote_queries = [q for q in queries.captured_queries if '"quote_passage_key"' in q["sql"]]
    assert len(quote_queries) == 1
    assert len(queries.captured_queries) <= 16
