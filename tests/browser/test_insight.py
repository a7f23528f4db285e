"""A sales manager reads both insight pages in Chromium: charts drawn, numbers behind a
toggle, a filter change redraws the figures in place (htmx), and a screenshot of each."""

from playwright.sync_api import expect

from tests.insight.conftest import *  # noqa: F403 (the insight story fixtures)


def test_manager_reads_attribution_and_loop_health(
    page, login, manager_a, attribution_story, loop_story, tmp_path
):
    login(manager_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insight").click()
    expect(page.get_by_role("heading", name="Which words move deals")).to_be_visible()
    chart = page.get_by_role("img", name="Won revenue by version (EUR, linear)")
    expect(chart).to_be_visible()
    figure = page.locator("#figure-revenue")
    figure.get_by_text("Show the numbers").click()
    expect(figure.get_by_role("cell", name="1,400")).to_be_visible()  # v2 EUR pipeline, linear
    page.get_by_label("Attribution model").select_option("last")
    expect(page.get_by_role("img", name="Won revenue by version (EUR, last touch)")).to_be_visible()
    assert "model=last" in page.url
    assert page.screenshot(path=str(tmp_path / "attribution.png"), full_page=True)

    page.get_by_role("link", name="Loop health").first.click()
    expect(page.get_by_role("heading", name="Loop health", exact=True)).to_be_visible()
    handed_off = page.locator(".kpi-value").first
    # Six leads of the loop story and five of the attribution story were handed off.
    expect(handed_off).to_have_text("11")
    expect(page.get_by_role("img", name="SLA breaches by team")).to_be_visible()
    page.get_by_label("Team", exact=True).select_option(label="Team A")
    expect(handed_off).to_have_text("6")  # rep_a's: L1, L2, L5 and A, B, E
    csv_link = page.locator("#figure-reasons").get_by_role("link", name="CSV")
    assert "team=" in csv_link.get_attribute("href")
    assert page.screenshot(path=str(tmp_path / "loop-health.png"), full_page=True)
