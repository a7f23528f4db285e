"""Each role logs in, sees what needs them on the home page and follows the first item
to the page where it is acted on. Screenshots of each home page at 1366 and 390 px go to
/tmp/screens/attention/ (outside the repository) for a person to look at."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Suggestion
from leads import services as lead_services
from leads.models import Lead, LeadList
from smarketing.models import OutboxMessage
from tests.feedback.conftest import SAID
from tests.support.factories import LeadFactory

SCREENS = Path(os.environ.get("SCREENS_DIR", tempfile.gettempdir())) / "screens" / "attention"


def look(page, name):
    """Screenshots at a desktop and a phone width; the page never scrolls sideways."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENS / f"home-{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_marketer_follows_a_new_suggestion_to_its_page(
    page, login, marketer, rep_a, rep_c, v1, log_call, accepted_by, sla, no_budget
):
    log_call(rep_a, v1, said=SAID)
    log_call(rep_c, v1, said=SAID)
    lead = accepted_by(rep_a, first_name="Petra", last_name="Lind")
    for _ in range(3):
        lead_services.attempt_log(lead=lead, user=rep_a, channel="call", outcome="no_answer")
    lead_services.lead_disqualify(
        lead=lead, user=rep_a, reason=no_budget, note="Budget moved to the ERP project."
    )
    suggestion = Suggestion.objects.get()

    login(marketer)
    section = page.locator('[data-role-home="marketing"]')
    expect(section.locator('[data-attention="suggestions"] .tally')).to_have_text("1")
    expect(section).to_contain_text("Budget moved to the ERP project.")
    look(page, "marketer")

    section.locator('[data-attention="suggestions"] li a').first.click()
    page.wait_for_url(f"**/feedback/suggestions/{suggestion.pk}/")
    expect(page.get_by_role("button", name="Accept into the draft")).to_be_visible()


def test_a_salesperson_follows_an_overdue_lead_to_log_an_attempt(
    page, login, marketer, rep_a, team_a, accepted_by, sla
):
    lead = accepted_by(rep_a, first_name="Olga", last_name="Berg")
    Lead.objects.filter(pk=lead.pk).update(first_touch_due_at=timezone.now() - timedelta(hours=1))
    offered = LeadFactory(first_name="Tina", last_name="Team")
    lead_services.lead_handoff(leads=[offered], user=marketer, team=team_a)

    login(rep_a)
    section = page.locator('[data-role-home="sales"]')
    expect(section.locator('[data-attention="due"]')).to_contain_text("1 overdue")
    look(page, "salesperson")

    section.locator('[data-attention="due"] li a').first.click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    expect(page.get_by_role("heading", name="Olga Berg")).to_be_visible()
    expect(page.get_by_role("link", name="Log a conversation")).to_be_visible()


def test_a_manager_follows_a_breach_to_the_lead(page, login, manager_a, rep_a, handed_to, sla):
    now = timezone.now()
    lead = handed_to(rep_a, first_name="Late", last_name="Lead")
    Lead.objects.filter(pk=lead.pk).update(
        handed_off_at=now - timedelta(hours=25), first_touch_due_at=now - timedelta(hours=1)
    )
    lead_services.sla_breaches_scan()

    login(manager_a)
    section = page.locator('[data-role-home="manager"]')
    expect(section.locator('[data-attention="breaches"] .tally')).to_have_text("1")
    expect(section.locator('[data-attention="reps"]')).to_contain_text(rep_a.get_full_name())
    look(page, "manager")

    section.locator('[data-attention="breaches"] li a').first.click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    expect(page.get_by_role("heading", name="Late Lead")).to_be_visible()


def test_an_admin_follows_a_failed_import_to_its_page(page, login, admin, marketer):
    OutboxMessage.objects.create(task_name="feedback.tasks.engine_sweep_task")
    failed = LeadList.objects.create(
        name="Trade show March",
        source="Trade show",
        status=LeadList.Status.FAILED,
        error="Line 3: the file is not valid UTF-8.",
        created_by=marketer,
    )

    login(admin)
    section = page.locator('[data-role-home="admin"]')
    expect(section.locator('[data-attention="outbox"]')).to_contain_text("Outbox backlog")
    look(page, "admin")

    section.locator('[data-attention="imports"] li a').first.click()
    page.wait_for_url(f"**/leads/imports/{failed.pk}/")
    expect(page.get_by_role("heading", name="Trade show March")).to_be_visible()
