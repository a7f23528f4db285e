"""A lead's whole way in the browser: imported, handed off, worked, disqualified."""

import re

from playwright.sync_api import expect

from leads.models import DisqualificationReason, Lead

CSV = (
    "First Name;Last Name;Email;Company;Job Title\n"
    "Ada;Lovelace;ada@engines.example;Analytical Engines;CFO\n"
    "Grace;Hopper;grace@navy.example;US Navy;CTO\n"
    "Bad;Row;not-an-email;Nowhere;CEO\n"
).encode("latin-1")


def test_import_hand_off_work_and_disqualify_a_lead(
    page, login, marketer, rep_a, settings, tmp_path, agree
):
    # get_or_create: a transactional test before this one may have flushed migration data
    no_budget = DisqualificationReason.objects.get_or_create(name="No budget")[0]
    settings.MEDIA_ROOT = tmp_path
    # The agreement both heads signed: two attempts before disqualifying.
    agree(hours_to_first_touch=24, min_attempts_before_disqualify=2)
    page.on("dialog", lambda dialog: dialog.accept())

    # Maria imports a vendor list
    login(marketer)
    page.get_by_role("link", name="Import a lead list").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "vendor.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_label("Source").fill("Expo Berlin")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_text("is not a valid email address")).to_be_visible()  # the preview
    page.get_by_role("button", name="Import 2 rows").click()  # the bad row is skipped
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    expect(
        page.get_by_role("cell", name="“not-an-email” is not a valid email address.")
    ).to_be_visible()

    # ... and hands Ada off to rep_a
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_role("button", name="Hand off…").click()
    page.get_by_role("combobox", name="Salesperson").select_option(str(rep_a.pk))
    page.get_by_label("Note").fill("Asked about the two-day close at the booth.")
    page.get_by_role("button", name="Hand off", exact=True).click()
    expect(page.get_by_text("1 lead handed off to")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # rep_a accepts it and logs two attempts without leaving the queue
    login(rep_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    page.get_by_role("button", name="Accept lead").click()
    row = page.locator("article.queue-item", has_text="Ada Lovelace")
    row.get_by_role("button", name="No answer").click()
    expect(row.get_by_text("1 attempt", exact=False)).to_be_visible()
    row.get_by_text("Email", exact=True).click()
    row.get_by_role("button", name="Voicemail").click()
    expect(page.locator("article.queue-item", has_text="2 attempts")).to_be_visible()
    assert page.url.endswith("/leads/queue/")

    # and disqualifies it with a reason marketing will read
    page.get_by_role("link", name="Ada Lovelace").click()
    page.get_by_label("Reason").select_option(str(no_budget.pk))
    page.get_by_label("Note").fill("Budget frozen until Q3.")
    page.get_by_role("button", name="Disqualify").click()
    expect(page.get_by_text("disqualified. Marketing will see your reason.")).to_be_visible()
    page.wait_for_url(re.compile(r".*/leads/\d+/$"))
    lead = Lead.objects.get(email="ada@engines.example")
    assert (lead.status, lead.attempt_count, lead.disqualification_note) == (
        "disqualified",
        2,
        "Budget frozen until Q3.",
    )
