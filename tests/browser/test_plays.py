"""Marketers write plays and hand leads off with them without the Django admin; long
text never widens a page past a phone's screen."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from feedback.models import ObjectionTag
from leads.models import Handoff, Lead, LeadList
from messaging.models import Persona
from tests.support.factories import LeadFactory
from tests.support.messaging_factories import make_message, publish

# Screenshots for a person to look at, outside the repository.
SCREENS = Path(tempfile.gettempdir()) / "screens" / "plays"
LONG_TITLE = ("Quarterly-close-acceleration-" * 7)[:200]  # 200 characters, no space
LONG_URL = "https://example.com/" + "a1b2c3d4e5" * 30


# The elements reaching past the screen's right edge, to say what widens a page.
WIDER_THAN_SCREEN = """
Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8)
  .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
"""


def shoot(page, name):
    """Screenshots at 1366 and 390 px for a person to look at (never in the repo); the
    page must be no wider than the screen at either width."""
    page.wait_for_load_state()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        wide = page.evaluate(WIDER_THAN_SCREEN)
        assert scroll <= inner, f"{name} is {scroll} px wide at {inner} px: {wide}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_marketer_writes_a_play_and_hands_a_lead_off_with_it(
    page, login, marketer, rep_a, team_a
):
    cfo = Persona.objects.create(name="CFO, mid-size manufacturer")
    message = make_message(marketer, title="ROI email", personas=[cfo])
    publish(message, marketer, body="# ROI\n\nTwo days saved at month-end.")
    lead = LeadFactory(first_name="Ada", last_name="Lovelace", persona=cfo)

    login(marketer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plays").click()
    expect(page.get_by_text("No plays yet")).to_be_visible()
    page.get_by_role("link", name="New play").click()
    page.get_by_label("Name").fill("CFO outreach")
    page.get_by_label("Description").fill("For finance leaders who downloaded the ROI sheet.")
    page.get_by_label("Persona it suits").select_option(label=cfo.name)
    step = page.locator(".step-row").nth(0)
    step.get_by_label("Channel").select_option("call")
    step.get_by_label("Instruction").fill("Introduce yourself; ask about month-end.")
    page.get_by_role("button", name="Add a step").click()
    step = page.locator(".step-row").nth(1)
    step.get_by_label("Day").fill("2")
    step.get_by_label("Channel").select_option("email")
    step.get_by_label("Message").select_option(label="ROI email (v1 live)")
    page.get_by_role("button", name="Save play").click()
    expect(page.get_by_text("Play “CFO outreach” saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="2", exact=True)).to_be_visible()  # two steps
    shoot(page, "play-list")
    page.get_by_role("link", name="CFO outreach").first.click()
    expect(page.get_by_label("Instruction").first).to_have_value(
        "Introduce yourself; ask about month-end."
    )
    shoot(page, "play-form")
    page.get_by_role("link", name="Cancel").click()

    # The persona's page links the play and the message.
    page.get_by_role("link", name=cfo.name).first.click()
    expect(page.get_by_role("link", name="CFO outreach")).to_be_visible()
    expect(page.get_by_role("link", name="ROI email")).to_be_visible()
    shoot(page, "persona-detail")

    # Hand Ada off with it from the lead list: a POST to a confirmation page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_role("button", name="Hand off…").click()
    expect(page.get_by_role("heading", name="Hand off 1 lead")).to_be_visible()
    assert "csrfmiddlewaretoken" not in page.url
    page.get_by_label("Play").select_option(label="CFO outreach")
    page.get_by_role("combobox", name="Salesperson").select_option(str(rep_a.pk))
    shoot(page, "handoff-confirm")
    page.get_by_role("button", name="Hand off", exact=True).click()
    expect(page.get_by_text("1 lead handed off to")).to_be_visible()
    assert "csrfmiddlewaretoken" not in page.url
    assert Handoff.objects.get(lead=lead).play.name == "CFO outreach"
    page.goto(f"/leads/{lead.pk}/")
    expect(page.get_by_text("Play: CFO outreach")).to_be_visible()

    # Archive it, with a confirmation first.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plays").click()
    page.get_by_role("link", name="Archive").click()
    shoot(page, "play-archive-confirm")
    page.get_by_role("button", name="Archive").click()
    expect(page.locator(".badge.retired", has_text="Archived")).to_be_visible()


def test_objections_are_curated_in_the_browser(page, login, marketer, rep_a):
    ObjectionTag.objects.create(name="Too expensive")
    ObjectionTag.objects.create(name="Pricey", status="proposed", proposed_by=rep_a)
    answer = make_message(marketer, title="When the price comes up", kind="objection_handler")
    publish(answer, marketer, body="# Price\n\nIt pays for itself in a quarter.")
    login(marketer)
    page.goto("/feedback/objections/")
    shoot(page, "objections")
    page.get_by_role("row", name=re.compile("Pricey")).get_by_role("link", name="Merge…").click()
    page.get_by_label("Merge into").select_option(label="Too expensive")
    shoot(page, "objection-merge")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_text("“Pricey” merged into “Too expensive”")).to_be_visible()
    page.get_by_role("row", name=re.compile("Too expensive")).get_by_role(
        "link", name="Rename or link"
    ).click()
    page.get_by_label("Handler message").select_option(label="When the price comes up")
    shoot(page, "objection-edit")
    page.get_by_role("button", name="Save").click()
    page.goto("/messages/")
    page.get_by_label("Handles objection").select_option(label="Too expensive")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="When the price comes up")).to_be_visible()
    shoot(page, "library-objection-filter")


@pytest.fixture
def long_texts(marketer, rep_a, accepted_by):
    message = make_message(marketer, title=LONG_TITLE)
    publish(message, marketer, body=f"# {LONG_TITLE}\n\nSee {LONG_URL} for the figures.")
    lead = accepted_by(rep_a)
    Lead.objects.filter(pk=lead.pk).update(title=LONG_TITLE)
    lead.handoffs.update(note=f"Read {LONG_URL} before calling.")
    return {"message": message, "lead": lead}


@pytest.mark.parametrize("who", ["marketer", "rep_a"])
def test_long_unbroken_text_never_widens_a_page_at_390_px(request, page, login, long_texts, who):
    user = request.getfixturevalue(who)
    lead, message = long_texts["lead"], long_texts["message"]
    pages = [f"/leads/{lead.pk}/", f"/messages/{message.pk}/", "/messages/"]
    if who == "marketer":
        pages += ["/leads/all/", "/feedback/inbox/", "/leads/plays/"]
    login(user)
    page.set_viewport_size({"width": 390, "height": 900})
    for path in pages:
        page.goto(path)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if who == "marketer":
            name = path.strip("/").replace("/", "-") or "home"
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / f"long-{name}-390.png"), full_page=True)
        assert scroll <= inner, f"{path} is {scroll} px wide at {inner} px"


def test_the_import_mapping_page_fits_a_phone(page, login, marketer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(marketer)
    page.goto("/leads/imports/")
    content = (
        "First Name;Last Name;Email;Company;Job Title;Phone;Lead Source;Notes\n"
        "Ada;Lovelace;ada@engines.example;Analytical Engines;CFO;+44 1;Expo;" + LONG_URL + "\n"
        "Bad;Row;not-an-email;Nowhere;CEO;;;\n"
    )
    page.get_by_label("CSV file").set_input_files(
        {"name": "vendor.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("button", name="Import 1 row")).to_be_visible()
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"the mapping page is {scroll} px wide at {inner} px"
    shoot(page, "import-mapping")
    assert LeadList.objects.count() == 1
