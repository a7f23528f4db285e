"""Stories: a passage sales keeps changing is flagged "drifting", its owner is asked
once to review it, and a marketer marks it reviewed."""

import pytest
from django.urls import reverse

from feedback import services
from feedback.drift import drift_share, drifting_passages, is_drifting
from feedback.models import PassageDrift
from notifications.models import Notification

from .conftest import SAID
from .test_passage_quotes import passage_block

# --- The arithmetic (no database) -----------------------------------------------------


def test_the_share_is_the_calls_that_changed_the_passage_over_the_calls_counted():
    assert drift_share(changed_calls=3, version_calls=5) == 0.6
    assert drift_share(changed_calls=0, version_calls=0) == 0.0


def test_a_passage_drifts_past_the_share_once_enough_calls_are_counted():
    assert is_drifting(changed_calls=3, version_calls=5, share=0.5, min_calls=5)
    # Exactly half is not more than half.
    assert not is_drifting(changed_calls=5, version_calls=10, share=0.5, min_calls=5)
    # Three of four is a lot, but four calls say nothing yet.
    assert not is_drifting(changed_calls=3, version_calls=4, share=0.5, min_calls=5)


def test_drifting_passages_come_most_drifted_first():
    found = drifting_passages({"a": 6, "b": 9, "c": 2}, version_calls=10, share=0.5, min_calls=5)
    assert [(p.passage_key, p.changed_calls, p.share) for p in found] == [
        ("b", 9, 0.9),
        ("a", 6, 0.6),
    ]


# --- The stories ----------------------------------------------------------------------


def reword(log_call, rep, version, *, changed: int, unchanged: int):
    for _ in range(changed):
        log_call(rep, version, said=SAID)
    for _ in range(unchanged):
        log_call(rep, version)


def drift_notes(user):
    return Notification.objects.filter(recipient=user, kind="passage_drift")


@pytest.mark.django_db
def test_a_passage_changed_in_most_calls_is_flagged_and_its_owner_asked_once(
    client_for, marketer, rep_a, v1, log_call
):
    changed_passage = v1.passages.get(position=1)  # the paragraph SAID rewords
    reword(log_call, rep_a, v1, changed=2, unchanged=2)
    assert not PassageDrift.objects.exists()  # four calls: too few to say

    reword(log_call, rep_a, v1, changed=1, unchanged=0)  # 3 of 5 calls changed it

    drift = PassageDrift.objects.get()
    assert (drift.passage_key, drift.calls, drift.share) == (changed_passage.key, 3, 0.6)
    [note] = drift_notes(marketer)
    assert note.url == (
        reverse("messaging:version_detail", args=[v1.message_id, v1.number])
        + f"#passage-{changed_passage.key}"
    )
    assert "3 of 5 calls" in note.text

    reword(log_call, rep_a, v1, changed=2, unchanged=0)  # still drifting, 5 of 7
    drift.refresh_from_db()
    assert (drift.calls, round(drift.share, 3)) == (5, round(5 / 7, 3))
    assert drift_notes(marketer).count() == 1  # asked once per passage per version


@pytest.mark.django_db
def test_the_message_and_its_passage_show_drifting_in_the_library_and_on_the_page(
    client_for, marketer, rep_a, rep_b, v1, log_call
):
    reword(log_call, rep_a, v1, changed=3, unchanged=2)
    key = v1.passages.get(position=1).key

    library = client_for(rep_b).get(reverse("messaging:message_library")).content.decode()
    assert 'class="badge drift"' in library and "drifting" in library

    page = client_for(marketer).get(reverse("messaging:message_detail", args=[v1.message_id]))
    html = page.content.decode()
    title = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "drifting" in title
    block = passage_block(html, key)
    assert "drifting" in block
    assert "3 calls (60%" in block
    review = reverse("feedback:passage_drift_review", args=[PassageDrift.objects.get().pk])
    assert f'action="{review}"' in block  # the owner may mark it reviewed from here

    rep_page = client_for(rep_b).get(reverse("messaging:message_detail", args=[v1.message_id]))
    assert f'action="{review}"' not in rep_page.content.decode()  # sales only sees it


@pytest.mark.django_db
def test_a_marketer_marks_the_drift_reviewed_and_the_badge_leaves_the_message(
    client_for, marketer, rep_a, v1, log_call
):
    reword(log_call, rep_a, v1, changed=3, unchanged=2)
    drift = PassageDrift.objects.get()
    url = reverse("feedback:passage_drift_review", args=[drift.pk])

    assert client_for(rep_a).post(url).status_code == 403
    response = client_for(marketer).post(url)

    assert response.status_code == 302
    drift.refresh_from_db()
    assert drift.reviewed_by == marketer and drift.reviewed_at is not None
    library = client_for(marketer).get(reverse("messaging:message_library")).content.decode()
    assert 'class="badge drift"' not in library
    version_page = client_for(marketer).get(response["Location"]).content.decode()
    assert "drift reviewed" in version_page
    again = client_for(marketer).post(url, follow=True)
    assert "reviewed already" in again.content.decode()


@pytest.mark.django_db
def test_reviewing_needs_a_post(client_for, marketer, rep_a, v1, log_call):
    reword(log_call, rep_a, v1, changed=3, unchanged=2)
    url = reverse("feedback:passage_drift_review", args=[PassageDrift.objects.get().pk])
    assert client_for(marketer).get(url).status_code == 405


@pytest.mark.django_db
def test_an_unreviewed_flag_clears_when_sales_comes_back_to_the_text(marketer, rep_a, v1, log_call):
    reword(log_call, rep_a, v1, changed=3, unchanged=2)
    assert PassageDrift.objects.exists()
    reword(log_call, rep_a, v1, changed=0, unchanged=2)  # 3 of 7: below half
    assert not PassageDrift.objects.exists()
    reword(log_call, rep_a, v1, changed=5, unchanged=0)  # drifting again: 8 of 12
    assert PassageDrift.objects.exists()
    assert drift_notes(marketer).count() == 1  # not asked twice about the same passage


@pytest.mark.django_db
def test_drift_check_is_idempotent(marketer, rep_a, v1, log_call):
    reword(log_call, rep_a, v1, changed=3, unchanged=2)
    assert services.drift_check(version_id=v1.pk) == []
    assert PassageDrift.objects.count() == 1
    assert drift_notes(marketer).count() == 1
