"""scale_seed: generate the company and write it (see devtools.scale for the why)."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from feedback.models import CallLog, ObjectionTag, PassageEdit
from feedback.services import suggestion_counts_refresh, suggestion_quotes_rebuild_all
from leads.models import (
    Account,
    Attempt,
    DisqualificationReason,
    Lead,
    Opportunity,
    Team,
    TeamMembership,
)
from messaging.models import Message, MessageVersion, Passage, Persona, Stage
from messaging.passages import tokens
from messaging.rendering import render_markdown
from smarketing import roles
from smarketing.db import tables_analyze

from .rebuild import suggestion_evidence_rebuild, version_stats_rebuild
from .words import (
    FIRST,
    LAST,
    OBJECTIONS,
    SOURCES,
    TITLES,
    _person,
    _pick,
    _sentence,
    _spread,
    _zipf_cumulative,
)
from .writer import (
    BATCH,
    _chunks,
    _Progress,
    _reset_sequences,
    _set_live_versions,
    _write_leads,
    _write_suggestions_for,
    _Writer,
)

YEARS = 3


@dataclass
class Sizes:
    """How big the company is. The defaults are issue 7's "years of data"."""

    salespeople: int = 200
    teams: int = 20
    leads: int = 100_000
    messages: int = 2_000
    versions: int = 10_000
    calls: int = 1_000_000
    attempts: int = 300_000
    opportunities: int = 20_000
    marketers: int = 10
    seed: int = 7


class NotEmpty(Exception):
    """The database already holds business data: seeding refuses rather than mixing."""


# Tables whose rows mean "this database is in use". Users and groups are not among
# them: migrations create groups and a developer may have created a superuser.
_BUSINESS_MODELS = (Message, Lead, CallLog, Team, Account)


def database_is_empty() -> bool:
    return not any(model.objects.exists() for model in _BUSINESS_MODELS)


def scale_seed(*, sizes: Sizes, out=None, password: str, analyze: bool = True) -> dict[str, int]:
    """Fill an empty database with a company of `sizes`; return the row counts.

    Refuses (NotEmpty) when messages, leads, call logs, teams or accounts exist: ids
    are chosen here, and mixing generated rows into real ones would corrupt both.
    Every seeded person gets `password` (hashed once). `analyze=False` leaves the
    planner without statistics (tests/smarketing/test_query_plans.py needs exactly
    that). Each table is written in its own transactions, batch by batch; a seed that
    fails half-way leaves a non-empty database, to be dropped and seeded again.
    """
    if not database_is_empty():
        raise NotEmpty(
            "The database already has messages, leads, call logs, teams or accounts; "
            "seed_scale only fills an empty one (create a new database and migrate)."
        )
    rng = random.Random(sizes.seed)
    progress = _Progress(out, total_steps=8)
    now = timezone.now()
    start = now - timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    counts: dict[str, int] = {}

    # 1. People and teams --------------------------------------------------------------
    User = get_user_model()
    base_user = (User.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    hashed = make_password(password)
    progress.begin("people and teams", sizes.salespeople + sizes.teams + sizes.marketers)
    people, groups_of = [], []
    group_ids = dict(Group.objects.values_list("name", "pk"))
    uid = base_user
    marketers, managers, reps = [], [], []
    for i in range(sizes.marketers):
        marketers.append(uid)
        people.append(_person(uid, f"scale-marketer-{i + 1}", hashed, now))
        groups_of.append((uid, group_ids[roles.MARKETING]))
        uid += 1
    for i in range(sizes.teams):
        managers.append(uid)
        people.append(_person(uid, f"scale-manager-{i + 1}", hashed, now))
        groups_of.append((uid, group_ids[roles.SALES_MANAGER]))
        uid += 1
    for i in range(sizes.salespeople):
        reps.append(uid)
        people.append(_person(uid, f"scale-rep-{i + 1}", hashed, now))
        groups_of.append((uid, group_ids[roles.SALES]))
        uid += 1
    _Writer(User).write(people)
    through = User.groups.through
    base = (through.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    _Writer(through).write(
        {"id": base + n, "user_id": u, "group_id": g} for n, (u, g) in enumerate(groups_of)
    )
    team_of_rep = {}
    _Writer(Team).write(
        {
            "id": t + 1,
            "name": f"Scale team {t + 1:02d}",
            "manager_id": managers[t],
            "created_at": start,
        }
        for t in range(sizes.teams)
    )
    _Writer(TeamMembership).write(
        {"id": n + 1, "user_id": rep, "team_id": n % sizes.teams + 1, "joined_at": start}
        for n, rep in enumerate(reps)
    )
    for n, rep in enumerate(reps):
        team_of_rep[rep] = n % sizes.teams + 1
    progress.advance(len(people))
    progress.end()
    counts["users"] = len(people)

    # 2. Reference data -----------------------------------------------------------------
    persona_base = (Persona.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    persona_ids = list(range(persona_base, persona_base + 20))
    _Writer(Persona).write(
        {"id": pid, "name": f"Scale persona {n + 1}", "created_at": start}
        for n, pid in enumerate(persona_ids)
    )
    objection_base = (ObjectionTag.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    objection_names = {objection_base + n: name for n, name in enumerate(OBJECTIONS)}
    existing = {n.lower() for n in ObjectionTag.objects.values_list("name", flat=True)}
    objection_names = {k: v for k, v in objection_names.items() if v not in existing}
    _Writer(ObjectionTag).write(
        {"id": k, "name": v, "status": "approved", "created_at": start}
        for k, v in objection_names.items()
    )
    objection_ids = list(objection_names)
    reasons = list(DisqualificationReason.objects.values_list("pk", flat=True))
    account_count = max(1, sizes.leads // 5)
    _Writer(Account).write(
        {
            "id": a,
            "name": f"Company {a}",
            "normalized_name": f"company {a}",
            "domain": f"company{a}.example",
            "industry": rng.choice(["manufacturing", "retail", "software", "logistics"]),
            "size": rng.choice(["1-49", "50-249", "250-999", "1000+"]),
            "created_at": start,
        }
        for a in range(1, account_count + 1)
    )

    # 3. Messages, versions and passages -------------------------------------------------
    progress.begin("messages and versions", sizes.versions)
    version_counts = _spread(rng, sizes.versions, sizes.messages)
    message_rows, version_rows, passage_rows = [], [], []
    # Per message: (version ids published in order, live version id, passage keys)
    published: dict[int, list[int]] = {}
    live_of: dict[int, int] = {}
    passages_of: dict[int, list[tuple[str, str]]] = {}
    message_of: dict[int, int] = {}
    vid = pid = 0
    kinds = [k for k, _ in Message.Kind.choices]
    stages = [s for s, _ in Stage.choices]
    for m in range(1, sizes.messages + 1):
        created = start + timedelta(seconds=rng.random() * span * 0.3)
        message_rows.append(
            {
                "id": m,
                "title": f"{rng.choice(['Value proposition', 'Talk track', 'Email', 'Objection'])}"
                f" {m}: {_sentence(rng, 3)}",
                "kind": rng.choice(kinds),
                "stage": rng.choice(stages),
                "owner_id": rng.choice(marketers),
                "live_version_id": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        keys = [f"m{m}p{p}" for p in range(5)]
        texts = [_sentence(rng, 8) for _ in keys]
        n_versions = version_counts[m - 1]
        has_draft = n_versions > 1 and rng.random() < 0.1
        published[m] = []
        for number in range(1, n_versions + 1):
            vid += 1
            # Each version rewrites one passage: the text a marketer would have edited.
            texts[(number - 1) % len(texts)] = _sentence(rng, 8)
            body = f"# Message {m}\n\n" + "\n\n".join(texts[1:])
            is_draft = has_draft and number == n_versions
            is_live = number == (n_versions - 1 if has_draft else n_versions)
            status = "draft" if is_draft else ("live" if is_live else "retired")
            at = created + timedelta(days=30 * number)
            version_rows.append(
                {
                    "id": vid,
                    "message_id": m,
                    "number": number,
                    "body": body,
                    "body_html": render_markdown(body),
                    "status": status,
                    "origin": "typed",
                    "based_on_id": vid - 1 if number > 1 else None,
                    "author_id": message_rows[-1]["owner_id"],
                    "published_by_id": None if is_draft else message_rows[-1]["owner_id"],
                    "revision": 1,
                    "created_at": at,
                    "updated_at": at,
                    "published_at": None if is_draft else at,
                    "retired_at": at + timedelta(days=30) if status == "retired" else None,
                }
            )
            message_of[vid] = m
            blocks = [("heading", f"# Message {m}")] + [("paragraph", t) for t in texts[1:]]
            passages_of[vid] = []
            for position, ((kind, text), key) in enumerate(zip(blocks, keys, strict=True)):
                pid += 1
                passage_rows.append(
                    {"id": pid, "version_id": vid, "key": key, "position": position,
                     "kind": kind, "text": text}
                )  # fmt: skip
                passages_of[vid].append((key, text))
            if not is_draft:
                published[m].append(vid)
            if is_live:
                live_of[m] = vid
        message_rows[-1]["updated_at"] = at
    with transaction.atomic():
        _Writer(Message).write(message_rows)
        _Writer(MessageVersion).write(version_rows)
        progress.advance(len(version_rows))
        for chunk in _chunks(passage_rows, BATCH):
            _Writer(Passage).write(chunk)
        _set_live_versions()
    progress.end()
    counts.update(messages=len(message_rows), versions=len(version_rows))
    counts["passages"] = len(passage_rows)
    del version_rows, passage_rows

    # 4. Leads, attempts, hand-offs, breaches -------------------------------------------
    progress.begin("leads and attempts", sizes.leads)
    attempts_per_lead = Counter()
    owned = [lead for lead in range(1, sizes.leads + 1) if rng.random() < 0.75]
    for _ in range(sizes.attempts):
        attempts_per_lead[rng.choice(owned)] += 1 if owned else 0
    opportunity_leads = set(rng.sample(owned, min(sizes.opportunities, len(owned))))
    owner_of: dict[int, int] = {}
    lead_status: dict[int, str] = {}
    lead_created: dict[int, object] = {}
    lead_rows, attempt_rows, handoff_rows, breach_rows = [], [], [], []
    owned_set = set(owned)
    attempt_id = handoff_id = breach_id = 0
    channels = ["call", "email", "meeting", "social"]
    outcomes = [o for o, _ in Attempt.Outcome.choices]
    for lead in range(1, sizes.leads + 1):
        created = start + timedelta(seconds=rng.random() * span)
        row = {
            "id": lead,
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "email": f"lead{lead}@company{lead % account_count + 1}.example",
            "title": rng.choice(TITLES),
            "account_id": lead % account_count + 1,
            "persona_id": rng.choice(persona_ids),
            "source": rng.choice(SOURCES),
            "created_at": created,
            "status": "new",
            "attempt_count": 0,
        }
        lead_created[lead] = created
        if lead in owned_set:
            rep = rng.choice(reps)
            owner_of[lead] = rep
            handed = created + timedelta(hours=rng.randint(1, 72))
            due = handed + timedelta(hours=24)
            n = attempts_per_lead[lead]
            row.update(
                owner_id=rep,
                qualified_at=handed,
                handed_off_at=handed,
                accepted_at=handed + timedelta(hours=1),
                first_touch_due_at=due,
                attempt_count=n,
                next_step_due_at=handed + timedelta(days=rng.randint(1, 30)),
            )
            touches = sorted(
                handed + timedelta(hours=rng.expovariate(1 / 20) + 24 * k) for k in range(n)
            )
            for when in touches:
                attempt_id += 1
                attempt_rows.append(
                    {"id": attempt_id, "lead_id": lead, "salesperson_id": rep,
                     "channel": rng.choice(channels), "outcome": rng.choice(outcomes),
                     "occurred_at": when}
                )  # fmt: skip
            if touches:
                row.update(first_touch_at=touches[0], last_touch_at=touches[-1])
                if touches[0] > due:
                    breach_id += 1
                    breach_rows.append(
                        {"id": breach_id, "lead_id": lead, "salesperson_id": rep,
                         "team_id": team_of_rep[rep], "due_at": due, "detected_at": due,
                         "notified_at": due, "resolved_at": touches[0]}
                    )  # fmt: skip
            if lead in opportunity_leads:
                status = rng.choices(["opportunity", "won", "lost"], [5, 3, 2])[0]
            elif n >= 3 and rng.random() < 0.3 and reasons:
                status = "disqualified"
                row.update(
                    disqualification_reason_id=rng.choice(reasons),
                    disqualified_at=touches[-1],
                    disqualification_note="No fit.",
                )
            else:
                status = rng.choice(["mql", "accepted", "accepted", "accepted"])
            if status in ("won", "lost"):
                row["closed_at"] = (touches[-1] if touches else handed) + timedelta(days=20)
            row["status"] = status
            handoff_id += 1
            handoff_rows.append(
                {"id": handoff_id, "lead_id": lead, "from_user_id": rng.choice(marketers),
                 "to_user_id": rep, "team_id": team_of_rep[rep], "status": "accepted",
                 "handed_off_at": handed, "accepted_at": handed + timedelta(hours=1),
                 "accepted_by_id": rep}
            )  # fmt: skip
        elif rng.random() < 0.1:
            # Offered to a whole team and waiting: the queue's "up for grabs" rows.
            row["status"] = "mql"
            row["handed_off_at"] = created
            row["first_touch_due_at"] = created + timedelta(hours=24)
            handoff_id += 1
            handoff_rows.append(
                {"id": handoff_id, "lead_id": lead, "from_user_id": rng.choice(marketers),
                 "team_id": rng.randint(1, sizes.teams), "status": "pending",
                 "handed_off_at": created}
            )  # fmt: skip
        lead_status[lead] = row["status"]
        lead_rows.append(row)
        if len(lead_rows) >= BATCH:
            _write_leads(lead_rows, attempt_rows, handoff_rows, breach_rows)
            progress.advance(len(lead_rows))
            lead_rows, attempt_rows, handoff_rows, breach_rows = [], [], [], []
    _write_leads(lead_rows, attempt_rows, handoff_rows, breach_rows)
    progress.advance(len(lead_rows))
    progress.end()
    counts.update(leads=sizes.leads, attempts=attempt_id, handoffs=handoff_id, breaches=breach_id)

    # 5. Opportunities ------------------------------------------------------------------
    progress.begin("opportunities", len(opportunity_leads))
    currencies = ["EUR", "EUR", "EUR", "USD", "GBP"]
    rows = []
    for n, lead in enumerate(sorted(opportunity_leads), start=1):
        status = lead_status[lead]
        stage = {"won": "won", "lost": "lost"}.get(status) or rng.choice(
            ["discovery", "proposal", "negotiation"]
        )
        opened = lead_created[lead] + timedelta(days=rng.randint(5, 60))
        closed = opened + timedelta(days=rng.randint(10, 120)) if stage in ("won", "lost") else None
        rows.append(
            {"id": n, "lead_id": lead, "account_id": lead % account_count + 1,
             "owner_id": owner_of[lead], "name": f"Deal {n}",
             "amount": Decimal(rng.randrange(2_000, 250_000, 500)),
             "currency": rng.choice(currencies), "stage": stage, "created_at": opened,
             "closed_at": closed}
        )  # fmt: skip
    with transaction.atomic():
        _Writer(Opportunity).write(rows)
    progress.advance(len(rows))
    progress.end()
    counts["opportunities"] = len(rows)

    # 6. Call logs, objections, passage edits and their suggestions ----------------------
    progress.begin("call logs", sizes.calls)
    message_weights = _zipf_cumulative(sizes.messages)
    # Popularity is by shuffled rank, so message 1 is not always the favourite.
    by_rank = list(range(1, sizes.messages + 1))
    rng.shuffle(by_rank)
    by_rank = [m for m in by_rank if published[m]] or by_rank
    message_weights = message_weights[: len(by_rank)]
    call_leads = owned or list(range(1, sizes.leads + 1))
    suggestion_of: dict[tuple[int, str, str], int] = {}
    written_suggestions: set[int] = set()
    through = CallLog.objections.through
    call_writer, edit_writer, tag_writer = _Writer(CallLog), _Writer(PassageEdit), _Writer(through)
    edit_id = tag_id = 0
    reactions = [1, 2, 3, 4, 5]
    reaction_weights = [1, 2, 4, 4, 2]
    call_outcomes = [o for o, _ in CallLog.Outcome.choices]
    call_id = 0
    while call_id < sizes.calls:
        calls, edits, tags = [], [], []
        for _ in range(min(BATCH, sizes.calls - call_id)):
            call_id += 1
            message = by_rank[_pick(rng, message_weights)]
            versions = published[message] or [live_of.get(message)]
            live = live_of.get(message)
            version = live if live and rng.random() < 0.7 else rng.choice(versions)
            lead = rng.choice(call_leads)
            rep = owner_of.get(lead) or rng.choice(reps)
            when = lead_created[lead] + timedelta(seconds=rng.random() * 86400 * 120)
            when = min(when, now)
            reaction = rng.choices(reactions, reaction_weights)[0]
            call = {
                "id": call_id, "lead_id": lead, "salesperson_id": rep, "version_id": version,
                "channel": "call", "occurred_at": when, "reaction": reaction,
                "outcome": rng.choice(call_outcomes), "created_at": when,
                "processed_at": when, "has_edits": False,
            }  # fmt: skip
            if rng.random() < 0.15:
                passages = passages_of[version]
                key, text = passages[rng.randrange(1, len(passages))]
                # Seeded as whole-passage changes (a rewrite or a removal, as feedback's
                # migration 0004 maps old rows): the figures need the rows, not the spans.
                kind = "rewrite" if rng.random() < 0.9 else "remove"
                variant = rng.randrange(3)
                edited = f"{text[:-1]}, {['in two days', 'with your ERP', 'at no risk'][variant]}."
                sid = suggestion_of.setdefault((version, key, kind), len(suggestion_of) + 1)
                edit_id += 1
                edits.append(
                    {"id": edit_id, "call_log_id": call_id, "version_id": version,
                     "passage_key": key, "kind": kind, "original_text": text,
                     "span_end": len(tokens(text)),
                     "edited_text": edited if kind == "rewrite" else "", "suggestion_id": sid,
                     "variant_id": sid, "at": when}
                )  # fmt: skip
                call["has_edits"] = True
                body = "\n\n".join(t for k, t in passages if not (k == key and kind == "remove"))
                call["edited_body"] = body.replace(text, edited) if kind == "rewrite" else body
            if rng.random() < 0.2:
                for tag in rng.sample(objection_ids, min(len(objection_ids), rng.randint(1, 2))):
                    tag_id += 1
                    tags.append({"id": tag_id, "calllog_id": call_id, "objectiontag_id": tag})
            calls.append(call)
        with transaction.atomic():
            call_writer.write(calls)
            if edits:
                _write_suggestions_for(
                    edits, suggestion_of, message_of, live_of, written_suggestions
                )
                edit_writer.write(edits)
            tag_writer.write(tags)
        progress.advance(len(calls))
    progress.end()
    counts.update(calls=call_id, edits=edit_id, call_objections=tag_id)
    counts["suggestions"] = len(suggestion_of)

    # 7. Sequences, so that the portal's own inserts continue after the seeded ids, and
    # the planner's statistics, so that the rebuilds below (and every page) plan for the
    # rows that are now there rather than for empty tables ------------------------------
    progress.begin("sequences and statistics", 1)
    _reset_sequences()
    if analyze:
        tables_analyze()
    progress.end()

    # 8. Engine figures: VersionStats and suggestion evidence from the raw rows ----------
    progress.begin("version figures", 2)
    counts["version_stats"] = version_stats_rebuild()
    progress.advance(1)
    suggestion_evidence_rebuild()
    suggestion_quotes_rebuild_all()  # the inbox's rollups: quotes (feedback.quotes), counts
    suggestion_counts_refresh()
    progress.end()

    # 9. Insight rollups -----------------------------------------------------------------
    progress.begin("insight rollups", 1)
    from insight.services import attribution_rebuild_all, handoff_facts_rebuild_all

    result = attribution_rebuild_all(batch_size=5000)
    counts["attribution_rows"] = result["rows"]
    counts["handoff_facts"] = handoff_facts_rebuild_all()
    # The tables the rebuilds just filled.
    if analyze:
        tables_analyze()
    progress.end()
    return counts
