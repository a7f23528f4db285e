"""Marketing curates the objection list: approve, reject, rename, merge, link a handler."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from feedback import services
from feedback.models import CallLog, ObjectionTag
from smarketing.models import AuditEntry
from tests.support.messaging_factories import make_message, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def pricey(rep_a):
    return services.objection_tags_resolve(names=["Pricey"], user=rep_a)[0]


@pytest.fixture
def too_expensive(db):
    return ObjectionTag.objects.create(name="Too expensive")


def test_a_proposal_is_rejected_and_stays_off_the_call_form(marketer, pricey, client_for):
    services.objection_reject(tag=pricey, user=marketer)
    pricey.refresh_from_db()
    assert pricey.status == "rejected"
    assert AuditEntry.objects.filter(action="objection.reject").exists()
    with pytest.raises(ValidationError, match="not a proposal"):
        services.objection_approve(tag=pricey, user=marketer)


def test_a_salesperson_cannot_curate_the_list(rep_a, pricey, too_expensive):
    with pytest.raises(PermissionDenied):
        services.objection_reject(tag=pricey, user=rep_a)
    with pytest.raises(PermissionDenied):
        services.objection_merge(tag=pricey, into=too_expensive, user=rep_a)


def test_rename_keeps_names_unique_whatever_the_case(marketer, pricey, too_expensive):
    with pytest.raises(ValidationError):
        services.objection_update(tag=pricey, user=marketer, name="too EXPENSIVE", handler=None)
    services.objection_update(tag=pricey, user=marketer, name="  Costs   too much ", handler=None)
    pricey.refresh_from_db()
    assert pricey.name == "Costs too much"


def test_merging_moves_the_calls_and_the_old_name_becomes_an_alias(
    marketer, rep_a, v1, log_call, pricey, too_expensive
):
    both = log_call(rep_a, v1, objections=[pricey, too_expensive])
    only_pricey = log_call(rep_a, v1, objections=[pricey])
    services.objection_merge(tag=pricey, into=too_expensive, user=marketer)
    assert set(too_expensive.call_logs.all()) == {both, only_pricey}
    assert not pricey.call_logs.exists()
    pricey.refresh_from_db()
    assert (pricey.status, pricey.merged_into) == ("merged", too_expensive)
    # Typed again, the old name lands in the one that was kept.
    assert services.objection_tags_resolve(names=["pricey"], user=rep_a) == [too_expensive]
    assert AuditEntry.objects.get(action="objection.merge").before["calls"] == 2


def test_a_tag_cannot_be_merged_into_itself_or_into_a_merged_one(marketer, pricey, too_expensive):
    with pytest.raises(ValidationError):
        services.objection_merge(tag=pricey, into=pricey, user=marketer)
    services.objection_merge(tag=pricey, into=too_expensive, user=marketer)
    third = ObjectionTag.objects.create(name="No budget")
    with pytest.raises(ValidationError, match="merged"):
        services.objection_merge(tag=third, into=pricey, user=marketer)


def test_the_merge_page_asks_first_and_says_how_many_calls_move(
    client_for, marketer, rep_a, v1, log_call, pricey, too_expensive
):
    log_call(rep_a, v1, objections=[pricey])
    client = client_for(marketer)
    page = client.get(reverse("feedback:objection_merge", args=[pricey.pk])).content.decode()
    assert "Merge “Pricey” into another objection?" in page and "The 1 call that named" in page
    refused = client.post(reverse("feedback:objection_merge", args=[pricey.pk]), {"into": ""})
    assert refused.status_code == 422
    done = client.post(
        reverse("feedback:objection_merge", args=[pricey.pk]), {"into": too_expensive.pk}
    )
    assert done.status_code == 302
    assert CallLog.objects.filter(objections=too_expensive).count() == 1
    listing = client.get(reverse("feedback:objection_list")).content.decode()
    assert "<td>Pricey</td>" not in listing and "<td>Too expensive</td>" in listing


def test_linking_a_handler_closes_the_gap_and_the_library_filters_by_it(
    client_for, marketer, rep_a, v1, log_call, too_expensive
):
    log_call(rep_a, v1, objections=[too_expensive])
    answer = make_message(marketer, title="When the price comes up")
    publish(answer, marketer, body="# Price\n\nIt pays for itself in a quarter.")
    client = client_for(marketer)
    before = client.get(reverse("feedback:objection_list")).content.decode()
    assert "No handler yet, by pipeline at stake" in before and "Link a handler" in before
    response = client.post(
        reverse("feedback:objection_edit", args=[too_expensive.pk]),
        {"name": "Too expensive", "handler": answer.pk},
    )
    assert response.status_code == 302
    after = client.get(reverse("feedback:objection_list")).content.decode()
    assert "Link a handler" not in after
    library = client_for(rep_a).get(
        reverse("messaging:message_library"), {"objection": too_expensive.pk}
    )
    text = library.content.decode()
    assert "When the price comes up" in text and "Value proposition for CFOs" not in text


def test_a_rename_clash_rerenders_with_what_was_typed(client_for, marketer, pricey, too_expensive):
    response = client_for(marketer).post(
        reverse("feedback:objection_edit", args=[pricey.pk]), {"name": "TOO expensive"}
    )
    assert response.status_code == 422
    assert 'value="TOO expensive"' in response.content.decode()


def test_reject_from_the_list(client_for, marketer, pricey):
    response = client_for(marketer).post(reverse("feedback:objection_reject", args=[pricey.pk]))
    assert response.status_code == 302
    pricey.refresh_from_db()
    assert pricey.status == "rejected"
