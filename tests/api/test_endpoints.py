"""The API's stories, as the CRM, the phone system and a data vendor live them; the
rules are the pages' (same services), so these check the wiring, not the rules again."""

from feedback.models import CallLog, PassageEdit
from leads.models import Attempt, Lead
from smarketing.models import AuditEntry


def test_a_vendor_feed_creates_a_lead_then_updates_it_by_email(api_as):
    api = api_as("marketer")
    made = api.post(
        "/api/v1/leads/",
        {"email": "Ada@Example.com", "first_name": "Ada", "company": "Acme", "source": "vendor"},
    )
    assert made.status_code == 201
    lead = made.json()
    assert (lead["email"], lead["company"], lead["status"]) == ("ada@example.com", "Acme", "new")
    again = api.post("/api/v1/leads/", {"email": "ada@example.com", "title": "CFO"})
    assert again.status_code == 200
    assert again.json()["id"] == lead["id"] and again.json()["title"] == "CFO"
    assert again.json()["source"] == "vendor"  # where it came from stays
    assert Lead.objects.count() == 1


def test_a_lead_cannot_be_given_a_status_or_owner_through_the_api(api_as, rep_a):
    response = api_as("marketer").post(
        "/api/v1/leads/", {"email": "x@example.com", "status": "won", "owner": rep_a.pk}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "new" and response.json()["owner"] is None


def test_the_lead_list_has_the_pages_filters(api_as, world):
    api = api_as("marketer")
    accepted = api.get("/api/v1/leads/", {"status": "accepted"}).json()["results"]
    assert [row["id"] for row in accepted] == []  # the world's lead is an opportunity now
    opportunities = api.get("/api/v1/leads/", {"status": "opportunity"}).json()["results"]
    assert [row["id"] for row in opportunities] == [world["lead"]]


def test_the_lead_list_pages_with_a_cursor(api_as, marketer):
    from tests.support.factories import LeadFactory

    LeadFactory.create_batch(5)
    api = api_as("marketer")
    first = api.get("/api/v1/leads/", {"page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 5


def test_a_call_logged_from_the_phone_system_with_per_passage_edits(api_as, accepted_by, rep_a, v1):
    lead = accepted_by(rep_a)
    passages = list(v1.passages.order_by("position"))
    said = "Your finance team loses four days every month reconciling spreadsheets."
    response = api_as("rep_a").post(
        "/api/v1/call-logs/",
        {"lead": lead.pk, "version": v1.pk, "reaction": 5, "outcome": "meeting_booked",
         "passages": {passages[1].key: said}, "quote": "That is us exactly.",
         "new_objections": ["Too busy"]},
        HTTP_IDEMPOTENCY_KEY="call-123",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_edits"] is True and body["objections"] == ["Too busy"]
    assert said in body["edited_body"]
    [edit] = PassageEdit.objects.filter(call_log_id=body["id"])
    assert edit.passage_key == passages[1].key
    lead.refresh_from_db()
    assert lead.attempt_count == 1 and lead.first_touch_at is not None  # the SLA saw it
    assert AuditEntry.objects.filter(action="api.call_log.create").count() == 1


def test_a_retried_call_log_with_the_same_key_counts_once(api_as, accepted_by, rep_a, v1):
    lead = accepted_by(rep_a)
    api = api_as("rep_a")
    call = {"lead": lead.pk, "version": v1.pk, "reaction": 4, "outcome": "interested"}
    first = api.post("/api/v1/call-logs/", call, HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/v1/call-logs/", call, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.json()["id"] == second.json()["id"]
    assert CallLog.objects.count() == 1 and Attempt.objects.count() == 1


def test_a_call_on_someone_elses_lead_is_not_found(api_as, accepted_by, rep_a, v1):
    lead = accepted_by(rep_a)
    response = api_as("rep_b").post(
        "/api/v1/call-logs/",
        {"lead": lead.pk, "version": v1.pk, "reaction": 4, "outcome": "interested"},
    )
    assert response.status_code == 404
    assert not CallLog.objects.exists()


def test_the_crm_side_panel_reads_the_live_play(api_as, accepted_by, rep_a, play):
    lead = accepted_by(rep_a, play=play)
    response = api_as("rep_a").get(f"/api/v1/leads/{lead.pk}/play/")
    assert response.status_code == 200
    body = response.json()
    assert body["play"] == "CFO outreach"
    assert [s["channel"] for s in body["steps"]] == ["call", "email", "call"]
    titles = [v["title"] for v in body["versions"]]
    assert titles == ["Value proposition for CFOs", "ROI email"]  # in the play's order
    assert body["versions"][0]["passages"][0]["text"]
    assert body["steps"][0]["version"] == body["versions"][0]["id"]


def test_the_crm_closes_the_deal_and_the_lead_closes_with_it(api_as, world):
    from leads.models import Opportunity

    opportunity = Opportunity.objects.get(lead_id=world["lead"])
    response = api_as("rep_a").post(
        f"/api/v1/opportunities/{opportunity.pk}/close/", {"won": True, "amount": "1500.00"}
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "won" and response.json()["amount"] == "1500.00"
    assert Lead.objects.get(pk=world["lead"]).status == "won"


def test_a_salesperson_corrects_their_leads_phone_but_not_anothers(
    api_as, world, accepted_by, rep_b
):
    assert (
        api_as("rep_a").patch(f"/api/v1/leads/{world['lead']}/", {"phone": "123"}).json()["phone"]
        == "123"
    )
    theirs = accepted_by(rep_b)
    assert api_as("rep_a").patch(f"/api/v1/leads/{theirs.pk}/", {"phone": "1"}).status_code == 404


def test_suggestions_are_read_only(api_as, world):
    api = api_as("marketer")
    listed = api.get("/api/v1/suggestions/").json()["results"]
    assert [s["id"] for s in listed] == [world["suggestion"]]
    assert api.post("/api/v1/suggestions/", {}).status_code == 405


def test_a_salesperson_lists_only_their_own_leads(api_as, world, accepted_by, rep_b):
    theirs = accepted_by(rep_b)
    mine = api_as("rep_a").get("/api/v1/leads/").json()["results"]
    ids = {row["id"] for row in mine}
    assert world["lead"] in ids and theirs.pk not in ids
    assert {row["owner"] for row in mine} == {"rep_a"}
