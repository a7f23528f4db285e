"""The attribution page's ranking is read from a rollup (VersionRank). Whatever was
written, through the services and their after-commit tasks, the rollup ranks the
versions exactly as ranking every published version at request time does."""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from insight import selectors, services
from insight.models import AttributionModel, VersionRank
from insight.selectors.attribution import RANK_ORDER, request_time_ranking
from leads import services as lead_services
from leads.models import Opportunity
from smarketing.preferences import preferences_save
from tests.feedback.conftest import BODY
from tests.support.messaging_factories import make_message, publish


def assert_ranking_matches_request_time(message=None):
    checked = 0
    for model in AttributionModel.values:
        for currency in Opportunity.Currency.values:
            ranks = VersionRank.objects.filter(model=model, currency=currency)
            if message is not None:
                ranks = ranks.filter(message=message)
            from_rollup = list(ranks.order_by(*RANK_ORDER).values_list("version_id", flat=True))
            at_request = list(
                request_time_ranking(model=model, currency=currency, message=message).values_list(
                    "pk", flat=True
                )
            )
            assert from_rollup == at_request, (model, currency)
            checked += len(at_request)
    return checked


@pytest.fixture
def published(django_capture_on_commit_callbacks, marketer):
    def make(message, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return publish(message, marketer, **kwargs)

    return make


def test_rollup_ranking_equals_request_time_ranking_after_a_series_of_writes(
    attribution_story, v1, v2, v3, rep_a, rep_b, accepted_by, call, deal, published,
    django_capture_on_commit_callbacks, marketer,
):  # fmt: skip
    # The story: calls on three versions, deals won, lost, open, in two currencies.
    assert assert_ranking_matches_request_time() == 3 * 3 * 3
    assert assert_ranking_matches_request_time(message=v1.message) == 3 * 3 * 3

    # A new message's version is published: not ranked before it is used in a call...
    other = published(make_message(marketer, title="Approvals pitch", body=BODY))
    assert not VersionRank.objects.filter(version=other).exists()
    assert_ranking_matches_request_time()
    # ...then used on two leads, one deal lost in EUR, one won in GBP (ranked first).
    f, g = accepted_by(rep_a), accepted_by(rep_b)
    call(rep_a, other, f, 4, 3)
    call(rep_b, other, g, 3, 5)
    call(rep_b, v1, g, 2, 4)
    deal(f, rep_a, "2500", result="lost")
    deal(g, rep_b, "700", currency="GBP", result="won")
    assert VersionRank.objects.filter(version=other).count() == 3 * 3
    assert assert_ranking_matches_request_time() == 4 * 3 * 3

    # E's open deal is won: v2 moves up under every model.
    e = attribution_story["E"]
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.opportunity_close(
            opportunity=e.opportunity, user=rep_a, won=True, amount=Decimal("900")
        )
    assert_ranking_matches_request_time()
    first_eur = VersionRank.objects.filter(model="linear", currency="EUR").order_by(*RANK_ORDER)
    assert first_eur[0].version_id == v2.pk  # 500 of A + 900 of E

    # A newer version of v1's message (v3 retires, stays ranked).
    v4 = published(v1.message, body=BODY + "\n\nNow with audit trails.", summary="v4")
    call(rep_a, v4, accepted_by(rep_a), 1, 5)
    assert_ranking_matches_request_time()
    assert_ranking_matches_request_time(message=v1.message)

    # The nightly rebuild from scratch lands on the same ranking, and so does a rerun.
    VersionRank.objects.all().delete()
    services.attribution_rebuild_all()
    assert assert_ranking_matches_request_time() == 5 * 3 * 3
    services.attribution_rebuild_all(batch_size=2)
    assert assert_ranking_matches_request_time() == 5 * 3 * 3


def test_the_page_is_read_in_rollup_order_and_says_how_fresh_it_is(
    attribution_story, v2, client_for, marketer
):
    report = selectors.attribution_report(filters={"model": "last", "currency": "EUR"}, page=1)
    expected = list(request_time_ranking(model="last", currency="EUR"))
    assert [row.version.pk for row in report.rows] == [version.pk for version in expected]
    assert report.rows[0].version == v2  # 1000 EUR won under last touch
    assert report.as_of == max(
        VersionRank.objects.filter(model="last", currency="EUR").values_list(
            "updated_at", flat=True
        )
    )
    # Shown in the reader's time zone.
    preferences_save(user=marketer, time_zone="Asia/Tokyo")
    page = (
        client_for(marketer).get("/insight/attribution/?model=last&currency=EUR").content.decode()
    )
    in_tokyo = report.as_of.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'Ranking figures as of <time datetime="{in_tokyo.isoformat()}">' in page
    assert f">{in_tokyo.day} {in_tokyo:%b %H:%M}</time>" in page


def test_the_message_filter_ranks_that_messages_versions_and_refuses_an_unknown_one(
    attribution_story, v1, marketer
):
    other = make_message(marketer, title="Approvals pitch", body=BODY)
    mine = selectors.attribution_report(filters={"message": str(v1.message_id)}, page=1)
    assert mine.rows and {row.version.message_id for row in mine.rows} == {v1.message_id}
    assert [row.version.pk for row in mine.rows] == list(
        request_time_ranking(model="linear", currency="EUR", message=v1.message).values_list(
            "pk", flat=True
        )
    )
    assert selectors.attribution_report(filters={"message": other.pk}, page=1).rows == []
    unknown = selectors.attribution_report(filters={"message": "999999"}, page=1)
    assert "message" in unknown.filterset.errors and unknown.rows == []
