"""A marketer reads the inbox, opens a suggestion, picks a wording and accepts it; at
phone width neither page is wider than the screen. Screenshots go to the test's tmp_path,
or to $SMARKETING_SCREENS when set (to look at them)."""

import os
from pathlib import Path

from playwright.sync_api import expect

from feedback import services
from feedback.models import Suggestion
from tests.feedback.test_change_suggestions import BODY, say
from tests.support.factories import make_salesperson
from tests.support.messaging_factories import make_message, publish


def _shoot(page, name, folder):
    screens = Path(os.environ.get("SMARKETING_SCREENS") or folder)
    screens.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(screens / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than {width}px"
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_marketer_picks_a_wording_and_accepts_it(
    page, login, marketer, rep_a, rep_b, team_a, accepted_by, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    version = publish(make_message(marketer, title="Long value proposition", body=BODY), marketer)
    rep_c = make_salesperson("rep_c", team_a)
    calls = [
        (rep_a, say(("by hand", "in Excel")), 5, "We live in Excel."),
        (rep_b, say(("by hand", "in Excel")), 4, ""),
        (rep_c, say(("by hand", "manually in Excel")), 5, "Our controller hates it."),
        (rep_a, say(("four days a month", "nearly a week every month")), 3, ""),
        (rep_b, say(("Book a 20-minute walkthrough.", "Book a 20-minute walkthrough.\n\n"
                     "Ask who signs off the close.")), 4, ""),
        (rep_c, BODY, 2, ""),
    ]  # fmt: skip
    for rep, said, reaction, quote in calls:
        with django_capture_on_commit_callbacks(execute=True):
            services.call_log_create(
                user=rep, lead=accepted_by(rep), version=version, reaction=reaction,
                outcome="meeting_booked" if reaction >= 4 else "not_now", edited_body=said,
                quote=quote,
            )  # fmt: skip
    login(marketer)
    page.goto("/feedback/inbox/")
    expect(
        page.get_by_text("3 salespeople changed the second sentence of paragraph 2")
    ).to_be_visible()
    _shoot(page, "inbox", tmp_path)

    suggestion = Suggestion.objects.get(rep_count=3)
    page.goto(f"/feedback/suggestions/{suggestion.pk}/")
    expect(page.get_by_role("heading", name="Wordings (2)")).to_be_visible()
    _shoot(page, "suggestion", tmp_path)

    page.locator('input[name="variant"]').nth(1).check()
    page.get_by_label("Wording to put into the draft").fill("manually, in Excel")
    page.get_by_role("button", name="Accept into the draft").click()
    expect(page.locator("#id_body")).to_contain_text("matching bank lines manually, in Excel.")

    # The marketer rewrites the sentence's end by hand; accepting the other suggestion on
    # those words is refused with the conflict shown.
    other = Suggestion.objects.get(kind="replace", rep_count=1)
    draft = version.message.versions.get(status="draft")
    page.locator("#id_body").fill(draft.body.replace("lose four days a month", "lose time"))
    page.get_by_role("button", name="Save draft").click()
    page.goto(f"/feedback/suggestions/{other.pk}/")
    page.get_by_role("button", name="Accept into the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Not accepted: the draft changed these words")
    _shoot(page, "conflict", tmp_path)
