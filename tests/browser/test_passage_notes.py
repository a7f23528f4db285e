"""The notes on passages, seen in the browser: customer quotes on the version page and in
the editor, a drifting passage on the message page; at desktop and phone widths."""

import os
from pathlib import Path

from playwright.sync_api import expect

from feedback import services
from feedback.models import PassageDrift
from messaging import services as messaging_services
from tests.feedback.conftest import BODY, SAID
from tests.support.messaging_factories import make_message, publish

WIDTHS = (1366, 390)

QUOTES = [  # oldest first: the last three are shown, newest first
    "Is that with the ERP we already have?",
    "Our controller said the same thing last quarter.",
    "We close in ten days; half would change our year.",
    "Four days? For us it is six, and the auditors still find <errors>.",
]


def shoot(page, folder: Path, name: str):
    """Screenshots at both widths (into SCREENS_DIR when set, to look at them); the page
    must never be wider than the screen."""
    folder = Path(os.environ.get("SCREENS_DIR") or folder)
    folder.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def call(rep, lead, version, **extra):
    logged = services.call_log_create(
        user=rep, lead=lead, version=version, reaction=extra.pop("reaction", 4),
        outcome="meeting_booked", edited_body=extra.pop("said", version.body), **extra,
    )  # fmt: skip
    services.call_log_process(call_log_id=logged.pk)
    return logged


def test_quotes_and_drift_on_passages(page, login, marketer, rep_a, accepted_by, tmp_path):
    rep_a.first_name, rep_a.last_name = "Ann", "Archer"
    rep_a.save()
    version = publish(
        make_message(marketer, title="Value proposition for CFOs", body=BODY), marketer
    )
    second = version.passages.get(position=1)
    for n, quote in enumerate(QUOTES):
        call(rep_a, accepted_by(rep_a), version, said=SAID if n < 3 else BODY,
             quote=quote, quote_passage_key=second.key, reaction=5 - n % 3)  # fmt: skip
    call(rep_a, accepted_by(rep_a), version)
    services.drift_check(version_id=version.pk)
    assert PassageDrift.objects.filter(passage_key=second.key).exists()  # 3 of 5 calls

    login(marketer)
    page.goto(f"/messages/{version.message_id}/v{version.number}/")
    block = page.locator(f"#passage-{second.key}")
    block.get_by_text("4 quotes", exact=True).click()
    expect(block).to_contain_text("<errors>")  # shown as text
    expect(block).to_contain_text("Ann Archer")
    expect(block.get_by_role("link", name="All 4 quotes")).to_be_visible()
    shoot(page, tmp_path, "version-quotes")

    page.goto(f"/messages/{version.message_id}/")
    expect(page.locator(".page-head h1")).to_contain_text("drifting")
    live_block = page.locator(f"#passage-{second.key}")
    live_block.locator(".note-drift summary").click()
    expect(live_block).to_contain_text("3 calls (60%")
    shoot(page, tmp_path, "message-drifting")

    messaging_services.draft_create(message=version.message, user=marketer)
    page.goto(f"/messages/{version.message_id}/draft/")
    notes = page.locator("section", has=page.get_by_role("heading", name="From the field"))
    notes.get_by_text("4 quotes", exact=True).click()
    expect(notes).to_contain_text("Our controller said the same thing")
    shoot(page, tmp_path, "editor-quotes")

    page.goto(f"/messages/{version.message_id}/")
    page.locator(f"#passage-{second.key} .note-drift summary").click()
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Marked reviewed")).to_be_visible()
    page.goto("/messages/")
    expect(page.locator(".badge.drift")).to_have_count(0)
