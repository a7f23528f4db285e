"""Marketers write plays without the Django admin: list, create, edit, archive, delete."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from leads import services
from leads.models import Play
from messaging.models import Persona
from smarketing.models import AuditEntry
from tests.support.factories import LeadFactory, PlayFactory, PlayStepFactory
from tests.support.messaging_factories import make_message, publish

pytestmark = pytest.mark.django_db


def _post_data(name="CFO outreach", steps=(), **extra):
    data = {
        "name": name,
        "description": "For finance leaders who asked for the ROI sheet.",
        "persona": "",
        "stage": "consideration",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "30",
    }
    for index, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{index}-{key}"] = value
    data.update(extra)
    return data


@pytest.fixture
def roi(marketer):
    message = make_message(marketer, title="ROI email")
    publish(message, marketer, body="# ROI\n\nTwo days saved at month-end.")
    return message


# --- services --------------------------------------------------------------------------


def test_a_marketer_creates_a_play_with_ordered_steps_and_it_is_audited(marketer, roi):
    play = services.play_create(
        user=marketer,
        name="CFO outreach",
        steps=[
            {"day_offset": 0, "channel": "call", "message": None, "instruction": "Introduce"},
            {"day_offset": 2, "channel": "email", "message": roi, "instruction": ""},
        ],
    )
    steps = list(play.steps.order_by("position"))
    assert [(s.position, s.day_offset, s.channel) for s in steps] == [
        (0, 0, "call"),
        (1, 2, "email"),
    ]
    assert steps[1].message == roi
    entry = AuditEntry.objects.get(action="play.create")
    assert entry.actor == marketer and len(entry.after["steps"]) == 2


def test_editing_replaces_the_steps_and_keeps_the_before_in_the_audit(marketer, roi):
    play = services.play_create(
        user=marketer, name="Short", steps=[{"day_offset": 0, "channel": "call"}]
    )
    services.play_update(
        play=play,
        user=marketer,
        name="Longer",
        steps=[
            {"day_offset": 1, "channel": "email", "message": roi},
            {"day_offset": 3, "channel": "call"},
        ],
    )
    play.refresh_from_db()
    assert play.name == "Longer"
    assert [s.day_offset for s in play.steps.order_by("position")] == [1, 3]
    entry = AuditEntry.objects.get(action="play.update")
    assert entry.before["name"] == "Short" and len(entry.before["steps"]) == 1


def test_a_bad_step_leaves_the_play_as_it_was(marketer):
    play = services.play_create(
        user=marketer, name="Keep", steps=[{"day_offset": 0, "channel": "call"}]
    )
    with pytest.raises(ValidationError, match="Step 1"):
        services.play_update(play=play, user=marketer, steps=[{"day_offset": 0, "channel": "fax"}])
    assert play.steps.get().channel == "call"


@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_only_marketing_writes_plays(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.play_create(user=user, name="Mine")
    play = PlayFactory()
    with pytest.raises(PermissionDenied):
        services.play_archive(play=play, user=user)


def test_a_play_that_leads_were_handed_with_is_archived_not_deleted(marketer):
    play = PlayFactory()
    LeadFactory(play=play)
    with pytest.raises(ValidationError, match="archive it instead"):
        services.play_delete(play=play, user=marketer)
    services.play_archive(play=play, user=marketer)
    play.refresh_from_db()
    assert not play.is_active
    services.play_archive(play=play, user=marketer, archived=False)
    play.refresh_from_db()
    assert play.is_active


def test_an_unused_play_is_deleted(marketer):
    play = PlayFactory()
    services.play_delete(play=play, user=marketer)
    assert not Play.objects.filter(pk=play.pk).exists()
    assert AuditEntry.objects.filter(action="play.delete").exists()


# --- pages -----------------------------------------------------------------------------


def test_the_editor_saves_steps_in_the_order_the_marketer_gives(client, marketer, roi):
    client.force_login(marketer)
    response = client.post(
        reverse("leads:play_create"),
        _post_data(
            steps=[
                {
                    "day_offset": "5",
                    "channel": "call",
                    "message": "",
                    "instruction": "Last",
                    "ORDER": "3",
                },
                {
                    "day_offset": "0",
                    "channel": "email",
                    "message": str(roi.pk),
                    "instruction": "First",
                    "ORDER": "1",
                },
                {
                    "day_offset": "2",
                    "channel": "call",
                    "message": "",
                    "instruction": "Dropped",
                    "ORDER": "2",
                    "DELETE": "on",
                },
            ]
        ),
    )
    assert response.status_code == 302
    play = Play.objects.get(name="CFO outreach")
    assert [s.instruction for s in play.steps.order_by("position")] == ["First", "Last"]


def test_add_a_step_without_javascript_keeps_what_was_typed(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("leads:play_create"),
        _post_data(
            name="Half typed",
            steps=[{"day_offset": "1", "channel": "email", "instruction": "Say hi"}],
            add_step="1",
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Half typed"' in body and 'value="Say hi"' in body
    assert 'name="steps-1-day_offset"' in body
    assert not Play.objects.exists()


def test_a_missing_name_is_refused_with_what_was_typed_kept(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("leads:play_create"),
        _post_data(
            name="", steps=[{"day_offset": "400", "channel": "call", "instruction": "Kept"}]
        ),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="Kept"' in body and 'value="400"' in body
    assert not Play.objects.exists()


def test_the_editor_shows_a_plays_steps_and_saves_changes(client, marketer, roi):
    play = PlayFactory(name="Existing")
    PlayStepFactory(play=play, position=0, day_offset=0, channel="call", instruction="Open")
    client.force_login(marketer)
    page = client.get(reverse("leads:play_edit", args=[play.pk])).content.decode()
    assert 'value="Open"' in page and "ROI email (v1 live)" in page
    response = client.post(
        reverse("leads:play_edit", args=[play.pk]),
        _post_data(
            name="Existing",
            steps=[
                {
                    "day_offset": "0",
                    "channel": "call",
                    "instruction": "Open better",
                    "message": str(roi.pk),
                }
            ],
        ),
    )
    assert response.status_code == 302
    assert play.steps.get().instruction == "Open better"


def test_the_play_list_filters_and_counts(client, marketer):
    cfo = Persona.objects.create(name="CFO")
    PlayFactory(name="CFO outreach", persona=cfo)
    PlayFactory(name="Old", is_active=False)
    client.force_login(marketer)
    body = client.get(reverse("leads:play_list"), {"persona": cfo.pk}).content.decode()
    assert "CFO outreach" in body and "Old" not in body
    body = client.get(reverse("leads:play_list"), {"status": "archived"}).content.decode()
    assert "Old" in body and "CFO outreach" not in body


def test_archiving_asks_first_then_hides_the_play_from_the_handoff_form(client, marketer):
    play = PlayFactory(name="Retiring play")
    client.force_login(marketer)
    confirm = client.get(reverse("leads:play_archive", args=[play.pk]))
    assert confirm.status_code == 200 and "Archive “Retiring play”?" in confirm.content.decode()
    play.refresh_from_db()
    assert play.is_active
    client.post(reverse("leads:play_archive", args=[play.pk]), follow=True)
    play.refresh_from_db()
    assert not play.is_active
    lead = LeadFactory()
    handoff = client.get(reverse("leads:handoff"), {"lead": lead.pk}).content.decode()
    assert "Retiring play" not in handoff


def test_delete_confirmation_of_a_used_play_offers_archiving(client, marketer):
    play = PlayFactory(name="Used")
    LeadFactory(play=play)
    client.force_login(marketer)
    response = client.get(reverse("leads:play_delete", args=[play.pk]))
    assert response.status_code == 409
    assert "archive it instead" in response.content.decode()
    client.post(reverse("leads:play_delete", args=[play.pk]))
    assert Play.objects.filter(pk=play.pk).exists()


def test_a_salesperson_cannot_open_the_editor(client, rep_a):
    client.force_login(rep_a)
    assert client.get(reverse("leads:play_list")).status_code == 403
    assert client.post(reverse("leads:play_create"), _post_data()).status_code == 403


@pytest.mark.parametrize("plays", [1, 12])
def test_the_list_and_editor_cost_the_same_queries_whatever_the_size(
    client, marketer, django_assert_max_num_queries, plays
):
    for _ in range(plays):
        play = PlayFactory()
        for position in range(plays):
            PlayStepFactory(play=play, position=position)
        LeadFactory(play=play)
        make_message(marketer, title=f"Message {play.pk}")
    client.force_login(marketer)
    with django_assert_max_num_queries(9):
        client.get(reverse("leads:play_list"))
    with django_assert_max_num_queries(10):
        client.get(reverse("leads:play_edit", args=[play.pk]))
