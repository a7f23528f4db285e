"""A marketer writes with a live preview, publishes, edits v2, compares and publishes it."""

import re

from playwright.sync_api import expect

from messaging.models import Message


def test_write_preview_publish_compare(page, login, marketer, rep_a, live_server):
    login(marketer)
    page.get_by_role("link", name="Messages").click()
    expect(page.get_by_text("No messages yet")).to_be_visible()
    page.get_by_role("link", name="New message").click()
    page.get_by_label("Title").fill("Value proposition for CFOs")
    page.get_by_label("Kind").select_option("value_proposition")
    page.get_by_role("button", name="Create and open the editor").click()

    # v1 with a live preview rendered by the server
    editor = page.get_by_label("Text (Markdown)")
    editor.fill("# Close faster\n\nCut month-end close **in half**.")
    expect(page.locator("#preview h1")).to_have_text("Close faster")
    expect(page.locator("#preview strong")).to_have_text("in half")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)

    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("Change summary").fill("First version")
    page.get_by_role("button", name="Publish v1").click()
    expect(page.get_by_text("v1 is live")).to_be_visible()
    expect(page.locator("#live-body")).to_contain_text("Cut month-end close in half.")

    # v2: edit, autosave, publish (v1 retired but readable)
    page.get_by_role("button", name="New draft").click()
    page.get_by_label("Text (Markdown)").fill(
        "# Close faster\n\nCut month-end close to two days.\n\nBook a walkthrough."
    )
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator(".diff-passage.changed del")).to_have_text("**in half**")
    page.get_by_label("Change summary").fill("Concrete claim")
    page.get_by_role("button", name="Publish v2").click()
    expect(page.locator(".timeline")).to_contain_text("retired")

    # compare v1 with v2
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"compare/\?a=1&b=2"))
    expect(page.locator("#compare-summary")).to_have_text(
        "1 changed · 1 added · 0 removed · 1 unchanged"
    )
    expect(page.locator("ins").first).to_contain_text("to two days")

    message = Message.objects.get(title="Value proposition for CFOs")
    assert message.live_version.number == 2
    assert message.versions.get(number=1).status == "retired"
