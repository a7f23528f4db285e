"""A marketer reads the scorecards and the disqualification drill-down in Chromium, at a
laptop's width and a phone's: a 200-character list name and a pasted URL in a rep's note
wrap inside their cells, and neither page is wider than the screen. Screenshots go to
/tmp/screens/ (outside the repository) for a person to look at."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from leads.models import Lead, LeadList
from tests.insight.conftest import *  # noqa: F403 (the insight story fixtures)

SCREENS = Path(tempfile.gettempdir()) / "screens"
LONG_NAME = "Vendor" + "X" * 194
PASTED_URL = "https://crm.example.com/very/long/path/" + "segment-" * 20 + "?utm_source=list"


@pytest.fixture
def long_text(scorecard_story):
    LeadList.objects.filter(pk=scorecard_story["show"].pk).update(name=LONG_NAME)
    Lead.objects.filter(pk=scorecard_story["leads"]["B2"].pk).update(
        disqualification_note=f"Bounced, see {PASTED_URL}"
    )
    return scorecard_story


def page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", [1366, 390])
def test_scorecards_and_drill_down_fit_the_screen(page, login, marketer, long_text, width):
    SCREENS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    login(marketer)

    page.goto("/insight/scorecards/")
    expect(page.get_by_role("heading", name="Which lists and sources pay off")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Vendor A")).to_be_visible()
    scroll_width, inner_width = page_width(page)
    assert scroll_width <= inner_width
    page.screenshot(path=str(SCREENS / f"scorecards-{width}.png"), full_page=True)

    page.get_by_role("link", name="Contact rate").click()
    expect(page.locator("tbody tr").first.get_by_role("rowheader")).to_have_text(LONG_NAME)

    page.get_by_role("link", name="Disqualifications").click()
    expect(page.get_by_role("heading", name="Why sales let these leads go")).to_be_visible()
    reasons = page.get_by_role("navigation", name="Disqualified leads by reason")
    reasons.get_by_role("link", name="No budget").click()
    expect(page.get_by_role("heading", name="1 disqualified lead")).to_be_visible()
    reasons.get_by_role("link", name="All reasons").click()
    expect(page.get_by_role("heading", name="2 disqualified leads")).to_be_visible()
    expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
    scroll_width, inner_width = page_width(page)
    assert scroll_width <= inner_width
    page.screenshot(path=str(SCREENS / f"disqualifications-{width}.png"), full_page=True)
