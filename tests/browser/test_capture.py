"""The lead page's timeline and play panel, and the preferences page, in the browser at
a laptop's and a phone's width (screenshots in /tmp/screens/capture/ to look at)."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from leads import services
from leads.models import Lead
from smarketing.preferences import preferences_save
from tests.support.factories import LeadFactory, PlayFactory, PlayStepFactory, handoff_backdate

# Outside the repository: screenshots are for looking at, not for committing.
SCREENS = Path(os.environ.get("SCREENS_DIR", Path(tempfile.gettempdir()) / "screens" / "capture"))
WIDTHS = (1366, 390)


def _fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"


def test_lead_page_shows_a_late_logged_call_and_the_plays_progress(page, login, marketer, rep_a):
    from django.utils import timezone

    play = PlayFactory(name="CFO outreach")
    for position, (day, channel) in enumerate([(0, "call"), (2, "email"), (5, "call")]):
        PlayStepFactory(play=play, position=position, day_offset=day, channel=channel,
                        instruction=f"Step {position + 1}")  # fmt: skip
    lead = LeadFactory(first_name="Ann", last_name="Lee")
    services.lead_handoff(leads=[lead], user=marketer, to_user=rep_a, play=play)
    services.handoff_accept(handoff=lead.handoffs.get(), user=rep_a)
    handoff_backdate(lead, timezone.now() - timedelta(days=1))
    services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer",
                         occurred_at=timezone.now() - timedelta(hours=20))  # fmt: skip
    services.attempt_log(lead=lead, user=rep_a, channel="email", outcome="replied")
    preferences_save(user=rep_a, time_zone="Asia/Tokyo")
    SCREENS.mkdir(parents=True, exist_ok=True)

    login(rep_a)
    page.goto(f"/leads/{lead.pk}/")
    expect(page.get_by_text("logged later")).to_be_visible()
    expect(page.locator(".steps li.next")).to_contain_text("Day 0")
    expect(page.locator(".steps li.done")).to_contain_text("done: replied")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENS / f"lead-{width}.png"), full_page=True)
        _fits(page, width)
    assert Lead.objects.get(pk=lead.pk).attempt_count == 2


def test_preferences_page_changes_the_time_zone(page, login, rep_a):
    SCREENS.mkdir(parents=True, exist_ok=True)
    login(rep_a)
    page.get_by_role("link", name="Preferences").click()
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Times are now shown in Asia/Tokyo")).to_be_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENS / f"preferences-{width}.png"), full_page=True)
        _fits(page, width)
