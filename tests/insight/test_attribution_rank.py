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


def test_the_page_finds_a_message_by_title_words_or_by_its_id(
    attribution_story, v1, rep_a, accepted_by, call, published, marketer
):
    # The message filter is a title search (2,000 messages made a drop-down useless and
    # slow) and a hidden id a link can carry; both narrow the ranked rows alike.
    other = published(make_message(marketer, title="Approvals pitch", body=BODY))
    call(rep_a, other, accepted_by(rep_a), 4, 3)

    def shown(filters):
        report = selectors.attribution_report(filters={"model": "linear", **filters}, page=1)
        assert report.filterset.is_valid(), report.filterset.errors
        return {row.version.message_id for row in report.rows}

    assert shown({}) == {v1.message_id, other.message_id}
    assert shown({"title": "approvals"}) == {other.message_id}
    assert shown({"message": v1.message_id}) == {v1.message_id}
    assert shown({"title": "approvals", "message": v1.message_id}) == set()
    # The CSV (every version, no page) reads the same filters.
    csv_report = selectors.attribution_report(filters={"title": "APPROVALS"})
    assert {row.version.message_id for row in csv_report.rows} == {other.message_id}


def test_a_message_filter_that_matches_nothing_says_so(attribution_story, client_for, marketer):
    page = client_for(marketer).get("/insight/attribution/?title=no-such-words").content.decode()
    assert "No used version of a message matching the filter" in page
    assert "No version has been used in a call yet" not in page
