"""Demo leads for `seed_demo`: lists, plays and leads in every status, built through the
services so the demo follows the same rules as real use. Idempotent: skipped once the
demo lead lists exist."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from messaging.models import Message, Persona

from . import services
from .models import (
    Account,
    DisqualificationReason,
    Handoff,
    Lead,
    LeadList,
    Play,
    PlayStep,
    Team,
)

COMPANIES = [
    ("Nordhaus Tools", "nordhaus.example", "Manufacturing", "250-999"),
    ("Keller Bearings", "keller.example", "Manufacturing", "50-249"),
    ("Vista Retail", "vistaretail.example", "Retail", "1000+"),
    ("Bright Freight", "brightfreight.example", "Logistics", "250-999"),
    ("Ostwind Plastics", "ostwind.example", "Manufacturing", "50-249"),
    ("Cloudnine Software", "cloudnine.example", "Software", "50-249"),
    ("Harbor Logistics", "harbor.example", "Logistics", "1000+"),
    ("Maple Foods", "maplefoods.example", "Food", "250-999"),
]
PEOPLE = [
    ("Ingrid", "Berg", "CFO"),
    ("Tomás", "Herrera", "Head of Finance"),
    ("Priya", "Nair", "Controller"),
    ("Lukas", "Weber", "Head of IT"),
    ("Chloé", "Martin", "Finance Director"),
    ("Ahmed", "Karim", "Operations Director"),
    ("Sofia", "Rossi", "CFO"),
    ("Jonas", "Lind", "IT Manager"),
    ("Mei", "Chen", "VP Finance"),
    ("Oliver", "Hughes", "Controller"),
    ("Ana", "Costa", "CFO"),
    ("Peter", "Novak", "Head of Operations"),
]
LISTS = [
    ("DataVendor Q3: manufacturing", "DataVendor"),
    ("Webinar: month-end close", "Webinar"),
    ("Trade show Hannover", "Trade show"),
]


def seed_leads(report, users) -> None:
    if LeadList.objects.filter(name=LISTS[0][0]).exists():
        report.counts["leads"] = Lead.objects.count()
        return
    with transaction.atomic():
        _seed(users)
    report.counts["leads"] = Lead.objects.count()
    report.counts["plays"] = Play.objects.count()


def _play(name, persona_name, steps, maria):
    persona = Persona.objects.filter(name=persona_name).first()
    play, _ = Play.objects.get_or_create(
        name=name, defaults={"persona": persona, "created_by": maria}
    )
    for position, (day, channel, title, instruction) in enumerate(steps):
        PlayStep.objects.get_or_create(
            play=play,
            position=position,
            defaults={
                "day_offset": day,
                "channel": channel,
                "message": Message.objects.filter(title=title).first(),
                "instruction": instruction,
            },
        )
    return play


def _seed(users) -> None:
    maria = users["maria"]
    alex, bea, chris, dana, eli = (users[n] for n in ("alex", "bea", "chris", "dana", "eli"))
    _agreement_signed(users)
    cfo_play = _play(
        "CFO outreach: close in two days",
        "CFO, mid-size manufacturer",
        [
            (0, "call", "Value proposition for CFOs", "Lead with the two-day close."),
            (2, "email", "Email: follow-up after a webinar", "Send the recap with the calendar."),
            (5, "call", 'Objection handler: "We already have an ERP"', "Expect the ERP answer."),
        ],
        maria,
    )
    it_play = _play(
        "IT security review",
        "Head of IT, retail chain",
        [
            (0, "email", "One-pager: security and compliance", "Offer the security pack."),
            (3, "call", "Talk track: first discovery call", "Ask about their last audit."),
        ],
        maria,
    )
    accounts = []
    for name, domain, industry, size in COMPANIES:
        account = Account.objects.filter(normalized_name=Account.normalize(name)).first()
        accounts.append(
            account
            or Account.objects.create(name=name, domain=domain, industry=industry, size=size)
        )
    lists = []
    for name, source in LISTS:
        lists.append(
            LeadList.objects.create(
                name=name, source=source, status=LeadList.Status.DONE, created_by=maria
            )
        )
    cfo = Persona.objects.filter(name="CFO, mid-size manufacturer").first()
    it = Persona.objects.filter(name="Head of IT, retail chain").first()
    leads = []
    now = timezone.now()
    for n in range(36):
        first, _, title = PEOPLE[n % len(PEOPLE)]
        last = PEOPLE[(n // len(PEOPLE) + n) % len(PEOPLE)][1]
        account = accounts[n % len(accounts)]
        lead_list = lists[n % len(lists)]
        leads.append(
            Lead.objects.create(
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}{n}@{account.domain}".replace("á", "a")
                .replace("é", "e")
                .replace("ó", "o"),
                title=title,
                account=account,
                persona=it if "IT" in title else cfo,
                source=lead_list.source,
                lead_list=lead_list,
                created_at=now - timedelta(days=40 - n),
            )
        )
    for lead_list in lists:
        lead_list.total_rows = lead_list.processed_rows = lead_list.imported_count = (
            lead_list.leads.count()
        )
        lead_list.save()
    # The reasons come from a data migration, but an admin may have renamed them or a
    # flushed database may lack them: the demo makes sure the ones it uses exist.
    used = ("Bad contact data", "Not in our market", "No budget", "Using a competitor")
    reasons = {name: DisqualificationReason.objects.get_or_create(name=name)[0] for name in used}

    def hand(lead, rep, play=None, accept=True, attempts=(), days_ago=0):
        services.lead_handoff(leads=[lead], user=maria, to_user=rep, play=play)
        if days_ago:
            Lead.objects.filter(pk=lead.pk).update(
                handed_off_at=now - timedelta(days=days_ago),
                first_touch_due_at=now - timedelta(days=days_ago) + timedelta(hours=24),
            )
            # The handoff row too: attempts may not be dated before it (LeadPolicy).
            Handoff.objects.filter(lead=lead).update(handed_off_at=now - timedelta(days=days_ago))
        if accept:
            services.handoff_accept(handoff=lead.handoffs.get(status="pending"), user=rep)
        for channel, outcome in attempts:
            services.attempt_log(lead=lead, user=rep, channel=channel, outcome=outcome)
        lead.refresh_from_db()
        return lead

    no_answer = [("call", "no_answer"), ("email", "no_answer"), ("call", "voicemail")]
    # 0-5 stay new, 6-8 are MQLs waiting for a handoff
    services.lead_qualify(leads=leads[6:9], user=maria)
    # handed off, waiting for acceptance; one of them is overdue
    hand(leads[9], alex, cfo_play, accept=False)
    hand(leads[10], dana, it_play, accept=False, days_ago=3)
    # offered to the whole South team
    services.lead_handoff(leads=[leads[11]], user=maria, team=Team.objects.get(name="South"))
    # accepted and being worked
    hand(leads[12], alex, cfo_play, attempts=[("call", "no_answer")])
    hand(leads[13], alex, cfo_play, attempts=[("call", "voicemail"), ("email", "replied")])
    hand(leads[14], bea, cfo_play, days_ago=2)  # never touched: an SLA breach
    hand(leads[15], chris, it_play, attempts=[("email", "connected")])
    hand(leads[16], eli, it_play)
    hand(leads[17], dana, cfo_play, attempts=[("call", "connected"), ("meeting", "meeting_booked")])
    # disqualified, with reasons that point at the vendor list
    for index, rep, reason, note in [
        (18, alex, "Bad contact data", "Number disconnected, email bounced."),
        (21, bea, "Bad contact data", "Left the company two years ago."),
        (24, dana, "Not in our market", "Twelve employees, no finance team."),
        (27, eli, "No budget", "Budget frozen until next fiscal year."),
        (30, chris, "Using a competitor", "Signed a three-year contract last spring."),
    ]:
        lead = hand(leads[index], rep, cfo_play, attempts=no_answer)
        services.lead_disqualify(lead=lead, user=rep, reason=reasons[reason], note=note)
    # opportunities: one open, one won, one lost
    lead = hand(leads[19], alex, cfo_play, attempts=[("call", "connected")])
    services.opportunity_create(
        lead=lead, user=alex, amount=Decimal("48000"), expected_close=now.date() + timedelta(30)
    )
    lead = hand(
        leads[20], dana, cfo_play, attempts=[("call", "connected"), ("meeting", "meeting_booked")]
    )
    won = services.opportunity_create(lead=lead, user=dana, amount=Decimal("36000"))
    services.opportunity_close(opportunity=won, user=dana, won=True, amount=Decimal("39500"))
    lead = hand(leads[22], bea, it_play, attempts=[("email", "replied")])
    lost = services.opportunity_create(lead=lead, user=bea, amount=Decimal("22000"))
    services.opportunity_close(opportunity=lost, user=bea, won=False, amount=Decimal("22000"))
    # a lost lead that marketing takes back to nurture
    services.lead_recycle(lead=lead, user=maria)
    lead = hand(leads[23], chris, cfo_play, attempts=[("call", "connected")])
    lost = services.opportunity_create(lead=lead, user=chris, amount=Decimal("18000"))
    services.opportunity_close(opportunity=lost, user=chris, won=False, amount=Decimal("18000"))
    services.sla_breaches_scan()
    _agreement_change_pending(users)
    _growth_target(users, now)


def _agreement_signed(users) -> None:
    """Version 2, signed by both heads: trade-show leads called within 4 hours, what a
    qualified lead has, and marketing's commitments."""
    import dataclasses

    maria, nora = users["maria"], users["nora"]
    _, terms = services.terms_in_force()
    version = services.agreement_propose(
        user=maria,
        terms=dataclasses.replace(
            terms,
            sla_by_source={
                "Trade show": {"hours_to_first_touch": 4, "min_attempts_before_disqualify": 2}
            },
            required_fields=("title",),
            required_fields_by_source={"Webinar": ["persona"]},
            leads_per_month=40,
            max_bad_data_percent=10,
        ),
        summary="Trade-show leads within 4 hours; qualified leads have a job title; 40 a month.",
    )
    services.agreement_sign(version=version, user=maria)
    services.agreement_sign(version=version, user=nora)


def _agreement_change_pending(users) -> None:
    """Version 3, proposed by sales and signed by marketing only: not in force."""
    import dataclasses

    maria, nora = users["maria"], users["nora"]
    _, terms = services.terms_in_force()
    version = services.agreement_propose(
        user=nora,
        terms=dataclasses.replace(
            terms,
            hours_to_first_touch=12,
            min_channels_before_disqualify=2,
            qualifying_sizes=("50-249", "250-999", "1000+"),
        ),
        summary="First touch within 12 h; two channels before disqualifying; no micro companies.",
    )
    services.agreement_sign(version=version, user=maria)


def seed_capacity(report, users) -> None:
    """Run last (after every demo hand-off): North is at capacity, and two hand-offs wait
    in its backlog. Skipped once the teams have capacities."""
    if Team.objects.filter(open_leads_per_rep__isnull=False).exists():
        return
    Team.objects.filter(name="North").update(open_leads_per_rep=2, new_leads_per_day=6)
    Team.objects.filter(name="South").update(open_leads_per_rep=25, new_leads_per_day=8)
    waiting = list(
        Lead.objects.filter(status=Lead.Status.NEW, lead_list__name=LISTS[2][0]).order_by("pk")[:2]
    )
    if not waiting:
        return
    services.lead_handoff(
        leads=waiting,
        user=users["maria"],
        team=Team.objects.get(name="North"),
        round_robin=True,
        note="Asked for the pricing sheet at the booth.",
    )


def _growth_target(users, now) -> None:
    from .models import GrowthTarget

    today = timezone.localdate(now)
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    next_quarter = (quarter_start + timedelta(days=95)).replace(day=1)
    services.growth_target_set(
        user=users["maria"],
        target=GrowthTarget(
            name=f"Q{(quarter_start.month - 1) // 3 + 1} {quarter_start.year}",
            starts_on=quarter_start,
            ends_on=next_quarter - timedelta(days=1),
            pipeline_target=Decimal("250000"),
            revenue_target=Decimal("120000"),
        ),
    )
