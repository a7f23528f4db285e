"""Demo messages for `seed_demo`: personas and collateral with a believable history."""

from django.db import transaction

from . import services
from .models import Message, Persona

PERSONAS = {
    "CFO, mid-size manufacturer": "Owns the close, cash and audit; wary of long implementations.",
    "Head of IT, retail chain": "Cares about integrations, security reviews and rollout risk.",
    "Operations director, logistics": "Measures everything in hours saved per week.",
    "Controller, SaaS scale-up": "Fast-growing entity count; hates spreadsheet consolidation.",
}

# title, kind, stage, personas, tags, [(body, change summary), ...], open draft or None
MESSAGES = [
    (
        "Value proposition for CFOs",
        "value_proposition",
        "consideration",
        ["CFO, mid-size manufacturer", "Controller, SaaS scale-up"],
        ["close", "finance"],
        [
            (
                "# Close the books in half the time\n\nFinance teams lose four days a month "
                "reconciling spreadsheets.\n\n- Automated bank matching\n- Approvals in one "
                "place\n- An audit trail for every change\n\nBook a 20-minute walkthrough.",
                "First version for the Q1 campaign",
            ),
            (
                "# Close the books in half the time\n\nFinance teams lose four days every month "
                "reconciling spreadsheets by hand.\n\n- Automated bank matching\n- Approvals in "
                "one place\n- An audit trail your auditors can open themselves\n\nBook a "
                "20-minute walkthrough with a finance lead.",
                "Sales said auditors matter more than approvals",
            ),
            (
                "# Close the books in two days\n\nFinance teams lose four days every month "
                "reconciling spreadsheets by hand.\n\n- Automated bank matching across all "
                "entities\n- Approvals in one place\n- An audit trail your auditors can open "
                'themselves\n\n> "We closed March in two days." (CFO, Nordhaus Tools)\n\nBook '
                "a 20-minute walkthrough with a finance lead.",
                "Concrete claim plus a customer quote",
            ),
        ],
        "# Close the books in two days\n\nFinance teams lose four days every month "
        "reconciling spreadsheets by hand.\n\n- Automated bank matching across all entities\n"
        "- Approvals in one place\n- An audit trail your auditors can open themselves\n\n"
        '> "We closed March in two days." (CFO, Nordhaus Tools)\n\nBook a 20-minute '
        "walkthrough: bring last month's close calendar.",
    ),
    (
        'Objection handler: "We already have an ERP"',
        "objection_handler",
        "decision",
        ["CFO, mid-size manufacturer", "Head of IT, retail chain"],
        ["erp", "objections"],
        [
            (
                "We sit on top of your ERP, we don't replace it.\n\nOur connectors read the "
                "general ledger nightly; nothing changes for your ERP team.",
                "Initial handler",
            ),
            (
                "We sit on top of your ERP; we never replace it.\n\nCertified connectors for SAP, "
                "NetSuite and Dynamics read the ledger every hour. Your ERP team changes "
                "nothing.\n\nMost customers are live in three weeks.",
                "Named the connectors; added time to value",
            ),
        ],
        None,
    ),
    (
        "Talk track: first discovery call",
        "talk_track",
        "awareness",
        ["Operations director, logistics"],
        ["discovery"],
        [
            (
                "## Opening\n\nThanks for making time. I'd like to understand how your team "
                "closes the month today.\n\n## Questions\n\n1. How many days does the close "
                "take?\n2. Where do spreadsheets still appear?\n3. Who signs off?\n\n## Next "
                "step\n\nOffer a walkthrough with their own numbers.",
                "Talk track for new SDRs",
            ),
        ],
        None,
    ),
    (
        "Email: follow-up after a webinar",
        "email_template",
        "awareness",
        ["Controller, SaaS scale-up"],
        ["email", "webinar"],
        [
            (
                "Hi {first_name},\n\nThanks for joining our session on multi-entity close. The "
                "recording and the checklist are attached.\n\nWould a 20-minute call next week "
                "help you map your own close?",
                "Webinar follow-up",
            ),
        ],
        None,
    ),
    (
        "One-pager: security and compliance",
        "one_pager",
        "decision",
        ["Head of IT, retail chain"],
        ["security"],
        [
            (
                "# Security at a glance\n\n- SOC 2 Type II, ISO 27001\n- Data in EU or US "
                "regions\n- SSO with SAML and SCIM\n\nAsk us for the full security pack.",
                "For IT reviews",
            ),
        ],
        "# Security at a glance\n\n- SOC 2 Type II, ISO 27001\n- Data in EU or US regions\n"
        "- SSO with SAML and SCIM\n- Customer-managed encryption keys\n\nAsk us for the "
        "full security pack.",
    ),
]


@transaction.atomic
def seed_messaging(report, users) -> None:
    """Personas and messages with several versions; skips messages that already exist."""
    marketers = [users["maria"], users["marcus"]]
    personas = {}
    for name, description in PERSONAS.items():
        personas[name] = Persona.objects.get_or_create(
            name=name, defaults={"description": description}
        )[0]
    for index, (title, kind, stage, persona_names, tags, history, draft_body) in enumerate(
        MESSAGES
    ):
        if Message.objects.filter(title=title).exists():
            continue
        author = marketers[index % 2]
        message = services.message_create(
            user=author,
            title=title,
            kind=kind,
            stage=stage,
            body=history[0][0],
            personas=[personas[name] for name in persona_names],
            tags=services.tags_from_names(tags),
        )
        for number, (body, summary) in enumerate(history):
            draft = message.versions.filter(status="draft").first() or services.draft_create(
                message=message, user=author
            )
            if number:
                draft = services.draft_save(
                    version=draft, user=author, body=body, revision=draft.revision
                )
            services.version_publish(version=draft, user=author, change_summary=summary)
        if draft_body:
            draft = services.draft_create(message=message, user=author)
            services.draft_save(
                version=draft, user=author, body=draft_body, revision=draft.revision,
                change_summary="Work in progress",
            )  # fmt: skip
    report.counts["personas"] = Persona.objects.count()
    report.counts["messages"] = Message.objects.count()
