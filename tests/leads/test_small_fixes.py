"""Small things marketers saw: each was a bug with a test written before its fix."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads import services
from leads.models import Handoff, LeadList
from notifications.models import Notification
from tests.support.factories import LeadFactory, PlayFactory

pytestmark = pytest.mark.django_db
HEADER = "First Name,Last Name,Email,Company\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _list(marketer, content) -> LeadList:
    upload = SimpleUploadedFile("vendor.csv", content.encode(), content_type="text/csv")
    return services.lead_import_create(user=marketer, uploaded_file=upload)


def test_the_import_notification_says_1_duplicate_not_1_duplicates(marketer):
    lead_list = _list(marketer, HEADER + "A,One,a@x.example,X\nA,Again,a@x.example,X\n")
    services.lead_import_start(lead_list=lead_list, user=marketer)
    services.lead_import_run(lead_list_id=lead_list.pk)
    text = Notification.objects.get(recipient=marketer).text
    assert "1 lead, 1 duplicate, 0 rejected" in text


def test_the_import_button_counts_only_the_rows_that_will_import(client_for, marketer):
    LeadFactory(email="known@customer.example")
    lead_list = _list(
        marketer,
        HEADER
        + "A,One,a@x.example,X\n"  # imports
        + "B,Bad,not-an-email,X\n"  # rejected
        + "A,Again,a@x.example,X\n"  # duplicate within the file
        + "K,Nown,known@customer.example,X\n"  # duplicate of an existing lead
        + "C,Two,c@x.example,X\n",  # imports
    )
    page = client_for(marketer).get(reverse("leads:import_detail", args=[lead_list.pk]))
    text = page.content.decode()
    assert "Import 2 rows" in text
    assert "Import 5 rows" not in text
    assert "3 rows will be skipped" in text


def test_bulk_hand_off_is_a_post_with_no_token_in_any_url(client_for, marketer, team_a, rep_a):
    leads = [LeadFactory(), LeadFactory()]
    client = client_for(marketer)
    listing = client.get(reverse("leads:list")).content.decode()
    assert 'formmethod="get"' not in listing
    # The list's button posts the selection: a confirmation page lists the leads.
    response = client.post(reverse("leads:handoff"), {"lead": [lead.pk for lead in leads]})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hand off 2 leads" in text and str(leads[0]) in text
    assert "This field is required" not in text  # not yet submitted: no errors shown
    assert not Handoff.objects.exists()
    # Confirming hands them off.
    play = PlayFactory(name="CFO outreach")
    response = client.post(
        reverse("leads:handoff"),
        {
            "lead": [lead.pk for lead in leads],
            "confirm": "1",
            "play": play.pk,
            "assign": "round_robin",
            "team": team_a.pk,
        },
    )
    assert response.status_code == 302
    assert "csrfmiddlewaretoken" not in response["Location"]
    assert Handoff.objects.filter(play=play).count() == 2
