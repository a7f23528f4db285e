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


@transaction.atomic
def seed_review_and_experiments(report, users) -> None:
    """A review workflow for one-pagers (product marketing, then legal) with the security
    one-pager's draft in review, and a running experiment on the webinar follow-up email
    (a step of the CFO play, so the play shows each lead its version).
    Idempotent: each part is skipped when it exists."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from . import services_experiments, services_review
    from .models import Experiment, ReviewStep, ReviewWorkflow

    maria, marcus = users["maria"], users["marcus"]
    legal, _ = Group.objects.get_or_create(name="Legal")
    legal.user_set.add(users["admin"])
    workflow, created = ReviewWorkflow.objects.get_or_create(
        kind=Message.Kind.ONE_PAGER, defaults={"name": "Claims: product marketing, then legal"}
    )
    if created:
        first = ReviewStep.objects.create(workflow=workflow, position=1, name="Product marketing")
        first.reviewers.add(marcus)
        second = ReviewStep.objects.create(workflow=workflow, position=2, name="Legal")
        second.reviewer_groups.add(legal)
        one_pager = Message.objects.filter(title="One-pager: security and compliance").first()
        draft = one_pager and one_pager.versions.filter(status="draft").first()
        if draft is not None:
            author = draft.author
            reviewer = marcus if author != marcus else maria
            if reviewer != marcus:
                first.reviewers.add(reviewer)
            services_review.review_submit(version=draft, user=author)
            claim = draft.passages.filter(text__contains="SOC 2").first()
            if claim is not None:
                services_review.review_comment_add(
                    version=draft,
                    user=reviewer,
                    passage_key=claim.key,
                    text="Is the ISO 27001 certificate renewed for this year? Legal will ask.",
                )
            draft.refresh_from_db()
            services_review.review_decide(
                version=draft,
                user=reviewer,
                step_id=first.pk,
                verdict="approved",
                note="Reads well; over to legal.",
                revision=draft.revision,
            )
    track = Message.objects.filter(title="Email: follow-up after a webinar").first()
    if (
        track is not None
        and track.live_version_id
        and not Experiment.objects.filter(message=track).exists()
        and not track.versions.filter(status="draft").exists()
    ):
        author = track.owner
        draft = services.draft_create(message=track, user=author)
        services.draft_save(
            version=draft,
            user=author,
            body="Subject: the two-day close, in your numbers\n\n" + draft.body,
            revision=draft.revision,
        )
        services_experiments.experiment_start(
            message=track,
            user=author,
            ends_on=timezone.localdate() + timedelta(days=42),
            baseline_rate=0.45,
            min_effect=0.15,
            change_summary="A subject line with the customer's own numbers",
            seed=20260101,
        )
    report.counts["experiments"] = Experiment.objects.count()
