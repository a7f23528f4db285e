"""Messaging pages per role: marketing writes; sales and managers read published text only."""

import re

import pytest
from django.urls import reverse

from messaging import services
from messaging.models import Message, MessageVersion
from tests.support.messaging_factories import draft, make_message, make_persona, publish


@pytest.fixture
def published(marketer):
    message = make_message(marketer, title="CFO value prop", body="Cut close time in half.")
    publish(message, marketer)
    return message


@pytest.fixture
def with_new_draft(published, marketer):
    """A live v1 and a marketing-only draft v2 carrying unreleased wording."""
    v2 = services.draft_create(message=published, user=marketer)
    services.draft_save(
        version=v2, user=marketer, body="SECRET unreleased wording", revision=v2.revision
    )
    return published


# --- Who may read what -------------------------------------------------------------


@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_sales_sees_the_live_version_but_never_a_draft(
    request, client_for, with_new_draft, persona
):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(reverse("messaging:message_detail", args=[with_new_draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cut close time in half." in html
    assert "SECRET" not in html
    # As a word: the page's random CSRF token may hold the letters "v2".
    assert not re.search(r"(?<![A-Za-z0-9])v2(?![A-Za-z0-9])", html)
    assert (
        client.get(reverse("messaging:version_detail", args=[with_new_draft.pk, 2])).status_code
        == 404
    )
    assert client.get(reverse("messaging:draft_edit", args=[with_new_draft.pk])).status_code == 403
    compare = reverse("messaging:version_compare", args=[with_new_draft.pk]) + "?a=1&b=2"
    assert client.get(compare).status_code == 404


def test_sales_does_not_see_messages_that_were_never_published(client_for, rep_a, marketer):
    unpublished = make_message(marketer, title="Work in progress", body="tbd")
    client = client_for(rep_a)
    assert client.get(reverse("messaging:message_detail", args=[unpublished.pk])).status_code == 404
    assert (
        "Work in progress" not in client.get(reverse("messaging:message_library")).content.decode()
    )


def test_sales_can_read_a_retired_version(client_for, rep_a, published, marketer):
    publish(published, marketer, body="Second wording")
    response = client_for(rep_a).get(reverse("messaging:version_detail", args=[published.pk, 1]))
    assert response.status_code == 200
    assert "Cut close time in half." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("message_create", "get", []),
        ("message_edit", "get", ["pk"]),
        ("draft_create", "post", ["pk"]),
        ("draft_publish", "get", ["pk"]),
        ("draft_publish", "post", ["pk"]),
        ("draft_discard", "post", ["pk"]),
        ("draft_autosave", "post", ["pk"]),
        ("version_retire", "post", ["pk", 1]),
        ("version_restore", "post", ["pk", 1]),
        ("persona_create", "get", []),
    ],
)
@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_sales_and_managers_cannot_write(
    request, client_for, with_new_draft, persona, name, method, args
):
    client = client_for(request.getfixturevalue(persona))
    resolved = [with_new_draft.pk if a == "pk" else a for a in args]
    response = getattr(client, method)(reverse(f"messaging:{name}", args=resolved))
    assert response.status_code == 403
    assert draft(with_new_draft).body == "SECRET unreleased wording"
    assert with_new_draft.versions.get(number=1).status == "live"


def test_logged_out_visitors_are_sent_to_login(client, published):
    response = client.get(reverse("messaging:message_detail", args=[published.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_another_marketers_draft_is_open_to_marketing(client_for, marketer_2, with_new_draft):
    response = client_for(marketer_2).get(reverse("messaging:draft_edit", args=[with_new_draft.pk]))
    assert response.status_code == 200
    assert "SECRET unreleased wording" in response.content.decode()


# --- The marketer's story -------------------------------------------------------------


def test_a_marketer_creates_a_message_and_lands_in_the_editor(client_for, marketer):
    persona = make_persona()
    client = client_for(marketer)
    response = client.post(
        reverse("messaging:message_create"),
        {"title": "Talk track: ERP switch", "kind": "talk_track", "stage": "decision",
         "personas": [persona.pk], "tags": "erp, Pricing, erp", "body": "Open with the pain."},
    )  # fmt: skip
    message = Message.objects.get(title="Talk track: ERP switch")
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:draft_edit", args=[message.pk])
    assert sorted(t.name for t in message.tags.all()) == ["Pricing", "erp"]
    assert draft(message).body == "Open with the pain."


def test_a_failed_create_keeps_what_was_typed(client_for, marketer):
    response = client_for(marketer).post(
        reverse("messaging:message_create"),
        {"title": "", "kind": "talk_track", "stage": "decision", "body": "My long draft text"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" in html
    assert "My long draft text" in html


def test_autosave_saves_and_hands_back_the_new_revision(client_for, marketer, published):
    v2 = services.draft_create(message=published, user=marketer)
    response = client_for(marketer).post(
        reverse("messaging:draft_autosave", args=[published.pk]),
        {"body": "Cut close time by 60%.", "revision": v2.revision, "base_body": v2.body},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="saved"' in html
    assert 'id="id_revision" value="2"' in html
    assert "<html" not in html
    assert draft(published).body == "Cut close time by 60%."


def test_a_stale_autosave_is_refused_with_what_the_other_marketer_changed(
    client_for, marketer, marketer_2, published
):
    v2 = services.draft_create(message=published, user=marketer)
    services.draft_save(version=v2, user=marketer_2, body="Cut close time in two days.", revision=1)
    response = client_for(marketer).post(
        reverse("messaging:draft_autosave", args=[published.pk]),
        {"body": "Maria's wording", "revision": 1, "base_body": "Cut close time in half."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert 'data-status="conflict"' in response.content.decode()
    assert draft(published).body == "Cut close time in two days."


def test_a_stale_full_save_keeps_the_users_text_and_shows_the_diff(
    client_for, marketer, marketer_2, published
):
    v2 = services.draft_create(message=published, user=marketer)
    services.draft_save(version=v2, user=marketer_2, body="Cut close time in two days.", revision=1)
    response = client_for(marketer).post(
        reverse("messaging:draft_edit", args=[published.pk]),
        {"body": "Maria's wording", "revision": 1, "base_body": "Cut close time in half."},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Maria&#x27;s wording" in html
    assert "<del>half</del>" in html and "<ins>two days</ins>" in html


def test_preview_renders_markdown_safely(client_for, marketer):
    response = client_for(marketer).post(
        reverse("messaging:draft_preview"),
        {"body": "**bold** <script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html


def test_publish_needs_confirmation_and_a_summary(client_for, marketer, published):
    services.draft_create(message=published, user=marketer)
    client = client_for(marketer)
    confirm = client.get(reverse("messaging:draft_publish", args=[published.pk]))
    assert confirm.status_code == 200
    assert "Publish v2?" in confirm.content.decode()
    missing = client.post(reverse("messaging:draft_publish", args=[published.pk]), {})
    assert missing.status_code == 200
    assert draft(published).status == "draft"
    done = client.post(
        reverse("messaging:draft_publish", args=[published.pk]), {"change_summary": "Tighter"}
    )
    assert done.status_code == 302
    assert published.versions.get(number=2).status == "live"
    assert published.versions.get(number=1).status == "retired"


def test_compare_any_two_versions_word_by_word(client_for, marketer, rep_a, published):
    publish(published, marketer, body="Cut close time in two days.")
    publish(published, marketer, body="Cut close time in two days.\n\nBook a demo.")
    response = client_for(rep_a).get(
        reverse("messaging:version_compare", args=[published.pk]) + "?a=1&b=3"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>half</del>" in html and "<ins>two days</ins>" in html
    assert "1 changed · 1 added · 0 removed" in html


def test_restore_refuses_while_a_draft_exists(client_for, marketer, with_new_draft):
    response = client_for(marketer).post(
        reverse("messaging:version_restore", args=[with_new_draft.pk, 1]), follow=True
    )
    assert "already a draft" in response.content.decode()
    assert draft(with_new_draft).body == "SECRET unreleased wording"


# --- Lists: filters, sorting, and a fixed number of queries ------------------------


def test_library_filters_by_kind_status_and_text(client_for, marketer):
    a = make_message(
        marketer, title="Objection: too expensive", kind="objection_handler", body="ROI"
    )
    publish(a, marketer)
    make_message(marketer, title="Email: follow-up", kind="email_template", body="Hi")
    client = client_for(marketer)
    url = reverse("messaging:message_library")
    html = client.get(url, {"kind": "objection_handler"}).content.decode()
    assert "Objection: too expensive" in html and "Email: follow-up" not in html
    html = client.get(url, {"status": "draft"}).content.decode()
    assert "Email: follow-up" in html and "Objection: too expensive" not in html
    html = client.get(url, {"q": "roi"}).content.decode()
    assert "Objection: too expensive" in html
    html = client.get(url, {"q": "nothing like this"}).content.decode()
    assert "No message matches these filters" in html


def test_library_htmx_request_gets_only_the_table(client_for, marketer, published):
    response = client_for(marketer).get(
        reverse("messaging:message_library"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="message-table"' in html
    assert "<html" not in html


def test_an_empty_library_says_so(client_for, marketer, rep_a):
    assert (
        "No messages yet"
        in client_for(marketer).get(reverse("messaging:message_library")).content.decode()
    )


def build_messages(marketer, count):
    personas = [make_persona(f"Persona {i}") for i in range(3)]
    tags = services.tags_from_names(["pricing", "erp"])
    messages = []
    for i in range(count):
        message = Message.objects.create(
            title=f"Message {i}", kind="talk_track", stage="decision", owner=marketer
        )
        message.personas.set(personas[: 1 + i % 3])
        message.tags.set(tags)
        version = MessageVersion.objects.create(
            message=message, number=1, body=f"Body {i}", body_html=f"<p>Body {i}</p>",
            author=marketer, status="draft",
        )  # fmt: skip
        messages.append((message, version))
    return messages


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("persona", ["marketer", "rep_a"])
def test_library_runs_a_fixed_number_of_queries(
    request, client_for, marketer, django_assert_max_num_queries, count, persona
):
    for message, version in build_messages(marketer, count):
        services.version_publish(
            version=version, user=marketer, change_summary="go"
        ) if message.pk % 2 else None
    client = client_for(request.getfixturevalue(persona))
    # 14: the drift flags of the page's messages, the "handles objection" choices and
    # the reasons from the field to review them are one query each, whatever the number.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("messaging:message_library"), {"sort": "title"})
    assert response.status_code == 200
    published = Message.objects.filter(live_version__isnull=False).first()
    # 10, and 4 for the notes on the live text: its passages, their quotes, their drift,
    # and the message's flags (messaging.annotations); 2 more: a running experiment and
    # the reasons to review it (messaging.freshness).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("messaging:message_detail", args=[published.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 40])
def test_message_page_and_compare_run_a_fixed_number_of_queries(
    client_for, marketer, rep_a, django_assert_max_num_queries, count
):
    message = make_message(marketer, body="Start")
    for i in range(count):
        publish(message, marketer, body="\n\n".join(f"Para {j} rev {i}" for j in range(count)))
    client = client_for(rep_a)
    with django_assert_max_num_queries(14):  # 10, and 4 for the notes on the live text
        assert client.get(reverse("messaging:message_detail", args=[message.pk])).status_code == 200
    with django_assert_max_num_queries(5):  # the versions, their passages, the message's
        url = reverse("messaging:version_compare", args=[message.pk]) + f"?a=1&b={count}"
        assert client.get(url).status_code == 200


def test_compare_answers_404_for_a_version_number_past_64_bits(client_for, rep_a, published):
    url = reverse("messaging:version_compare", args=[published.pk])
    for query in ("?a=1&b=9223372036854775808", "?a=-1&b=1"):
        assert client_for(rep_a).get(url + query).status_code == 404
