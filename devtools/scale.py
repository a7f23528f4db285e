"""A company with years of data, built fast: the data behind the scale benchmarks.

`scale_seed(sizes=..., progress=...)` fills an empty database with salespeople in teams,
messages with versions and passages, leads with attempts, hand-offs, SLA breaches and
opportunities, and call logs with objections and passage edits grouped into suggestions.
`manage.py seed_scale` is its command.

Why not the services: they write one row at a time, with an audit entry and a task per
write; a million call logs that way takes hours. Here every row is generated in Python
with its primary key chosen up front (the database is required to be empty, so the ids
are free), written in batches with PostgreSQL's COPY (or executemany on SQLite), and the
figures the services would have kept current are rebuilt afterwards from the raw rows in
bulk: VersionStats and suggestion evidence with grouped SQL aggregates, attribution with
insight's own full rebuild. The result is what the services would have produced had the
calls been logged one by one and the engine had processed every one of them.

Distributions: message use follows a Zipf law (a handful of messages get most calls,
as in real collateral libraries), most calls use a message's live version, a rep logs
calls on their own leads, about one call in seven carries an edit, and the edits of a
passage come from a few recurring wordings so that they group into suggestions.
"""

import json
import random
from bisect import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from feedback.models import (
    CallLog,
    ObjectionTag,
    PassageEdit,
    Suggestion,
    SuggestionVariant,
    VersionStats,
)
from leads.models import (
    Account,
    Attempt,
    DisqualificationReason,
    Handoff,
    Lead,
    Opportunity,
    SlaBreach,
    Team,
    TeamMembership,
)
from messaging.models import Message, MessageVersion, Passage, Persona, Stage
from messaging.passages import tokens
from messaging.rendering import render_markdown
from smarketing import roles

BATCH = 20_000
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


class _Writer:
    """Writes generated rows (dicts keyed by attname) into a model's table in batches.

    PostgreSQL: COPY FROM STDIN through psycopg, ten times faster than INSERT. Other
    databases: executemany of one INSERT, with each value prepared by its field.
    Missing fields get their default; JSON values are serialised here.
    """

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        self.defaults = {}
        for field in self.fields:
            if field.has_default() and not callable(field.default):
                self.defaults[field.attname] = field.default
            elif field.has_default():
                self.defaults[field.attname] = field.get_default()
            elif field.null:
                self.defaults[field.attname] = None
            elif isinstance(field, (models.CharField, models.TextField)):
                self.defaults[field.attname] = ""
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.count = 0

    def write(self, rows) -> int:
        names = [f.attname for f in self.fields]
        tuples = []
        for row in rows:
            values = []
            for name in names:
                value = row[name] if name in row else self.defaults[name]
                if name in self.json:
                    value = json.dumps(value)
                values.append(value)
            tuples.append(values)
        if not tuples:
            return 0
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Names come from the model's _meta, never from input.
                copy_sql = f"COPY {table} ({quoted}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for values in tuples:
                        copy.write_row(values)
            else:
                prepared = [
                    [
                        v if name in self.json else f.get_db_prep_save(v, connection)
                        for f, name, v in zip(self.fields, names, values, strict=True)
                    ]
                    for values in tuples
                ]
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, prepared)
        self.count += len(tuples)
        return len(tuples)


class _Progress:
    """A plain-text progress bar on one line per step, redrawn with a carriage return."""

    def __init__(self, out, total_steps: int):
        self.out = out
        self.total_steps = total_steps
        self.step = 0
        self.started = timezone.now()

    def begin(self, label: str, total: int):
        self.step += 1
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._draw()

    def advance(self, n: int):
        before = self.done * 50 // self.total
        self.done += n
        # Redrawn every 2%: the bar also reads well in a log file, where \r is a line.
        if self.done * 50 // self.total != before:
            self._draw()

    def end(self):
        self.done = self.total
        self._draw()
        self._write("\n")

    def _draw(self):
        if not self.out:
            return
        share = min(self.done / self.total, 1)
        bar = "#" * int(share * 30)
        elapsed = (timezone.now() - self.started).total_seconds()
        self._write(
            f"\r[{self.step}/{self.total_steps}] {self.label:<22} [{bar:<30}] "
            f"{share:4.0%} {self.done:>9}/{self.total:<9} {elapsed:6.0f}s"
        )

    def _write(self, text: str):
        if not self.out:
            return
        if isinstance(self.out, OutputWrapper):
            self.out.write(text, ending="")
        else:
            self.out.write(text)
        self.out.flush()


def _zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    return list(accumulate(1 / (rank**s) for rank in range(1, n + 1)))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect(cumulative, rng.random() * cumulative[-1])


WORDS = [
    "close",
    "faster",
    "cut",
    "month-end",
    "to",
    "two",
    "days",
    "audit",
    "trail",
    "cash",
    "visibility",
    "forecast",
    "automate",
    "reconciliation",
    "finance",
    "team",
    "spend",
    "control",
    "approvals",
    "real",
    "time",
    "board",
    "reporting",
    "compliance",
    "savings",
    "integrate",
    "ERP",
    "onboarding",
    "weeks",
    "not",
    "months",
    "ROI",
]
FIRST = [
    "Ada",
    "Ben",
    "Carla",
    "Dan",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kim",
    "Leo",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rita",
    "Sam",
]
LAST = [
    "Meyer",
    "Novak",
    "Rossi",
    "Smith",
    "Garcia",
    "Kowalski",
    "Jensen",
    "Dubois",
    "Silva",
    "Weber",
    "Ito",
    "Khan",
    "Brown",
]
SOURCES = ["webinar", "trade show", "vendor list", "website", "partner", "content download"]
TITLES = ["CFO", "Controller", "Head of Finance", "VP Finance", "Finance Manager", "CEO"]
OBJECTIONS = [
    "too expensive", "no budget this year", "already have a tool", "security review",
    "not a priority", "needs IT approval", "contract lock-in", "too complex",
    "integration worries", "bad timing", "want a pilot first", "legal review",
]  # fmt: skip


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def scale_seed(*, sizes: Sizes, out=None, password: str) -> dict[str, int]:
    """Fill an empty database with a company of `sizes`; return the row counts.

    Refuses (NotEmpty) when messages, leads, call logs, teams or accounts exist: ids
    are chosen here, and mixing generated rows into real ones would corrupt both.
    Every seeded person gets `password` (hashed once). Each table is written in its own
    transactions, batch by batch; a seed that fails half-way leaves a non-empty
    database, to be dropped and seeded again.
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

    # 7. Sequences, so that the portal's own inserts continue after the seeded ids ------
    progress.begin("sequences", 1)
    _reset_sequences()
    progress.end()

    # 8. Engine figures: VersionStats and suggestion evidence from the raw rows ----------
    progress.begin("version figures", 2)
    counts["version_stats"] = version_stats_rebuild()
    progress.advance(1)
    suggestion_evidence_rebuild()
    progress.end()

    # 9. Insight rollups -----------------------------------------------------------------
    progress.begin("attribution rollups", 1)
    from insight.services import attribution_rebuild_all

    result = attribution_rebuild_all(batch_size=5000)
    counts["attribution_rows"] = result["rows"]
    progress.end()
    return counts


def _write_suggestions_for(edits, suggestion_of, message_of, live_of, written):
    """Insert the suggestions a batch of edits is the first to reference (evidence and
    wording are filled in later, once all edits exist)."""
    new = []
    key_of = {sid: key for key, sid in suggestion_of.items()}
    for edit in edits:
        sid = edit["suggestion_id"]
        if sid in written:
            continue
        written.add(sid)
        version, key, kind = key_of[sid]
        message = message_of[version]
        new.append(
            {"id": sid, "message_id": message, "version_id": version, "passage_key": key,
             "kind": kind, "original_text": edit["original_text"],
             "base_text": edit["original_text"], "span_end": edit["span_end"],
             "proposed_text": edit["edited_text"],
             # On a version no longer live the passage has moved on: a stale suggestion.
             "status": "open" if live_of.get(message) == version else "stale",
             "created_at": edit["at"], "updated_at": edit["at"]}
        )  # fmt: skip
    _Writer(Suggestion).write(new)
    # One variant per seeded suggestion, with the suggestion's id (the edits point at it).
    _Writer(SuggestionVariant).write(
        [
            {"id": row["id"], "suggestion_id": row["id"], "span_end": row["span_end"],
             "original_text": row["original_text"], "wording": row["proposed_text"],
             "created_at": row["created_at"]}
            for row in new
        ]
    )  # fmt: skip


def _write_leads(leads, attempts, handoffs, breaches):
    with transaction.atomic():
        _Writer(Lead).write(leads)
        _Writer(Attempt).write(attempts)
        _Writer(Handoff).write(handoffs)
        _Writer(SlaBreach).write(breaches)


def _person(uid, username, hashed, now):
    return {
        "id": uid,
        "username": username,
        "password": hashed,
        "email": f"{username}@smarketing.example",
        "first_name": username.split("-")[1].title(),
        "last_name": username.rsplit("-", 1)[1],
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "date_joined": now,
    }


def _spread(rng: random.Random, total: int, buckets: int) -> list[int]:
    """`total` split over `buckets`, each at least 1, skewed (some messages get many versions)."""
    counts = [1] * buckets
    weights = _zipf_cumulative(buckets, 0.8)
    for _ in range(max(0, total - buckets)):
        counts[_pick(rng, weights)] += 1
    return counts


def _chunks(rows, size):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _set_live_versions():
    table = connection.ops.quote_name(Message._meta.db_table)
    versions = connection.ops.quote_name(MessageVersion._meta.db_table)
    with connection.cursor() as cursor:
        # Table names come from _meta, never from input.
        sql = (
            f"UPDATE {table} SET live_version_id = (SELECT v.id FROM {versions} v "  # noqa: S608
            f"WHERE v.message_id = {table}.id AND v.status = 'live')"
        )
        cursor.execute(sql)


def _reset_sequences():
    seeded = [
        get_user_model(), get_user_model().groups.through, Team, TeamMembership, Persona,
        ObjectionTag, Account, Message, MessageVersion, Passage, Lead, Attempt, Handoff,
        SlaBreach, Opportunity, CallLog, PassageEdit, CallLog.objections.through, Suggestion,
        SuggestionVariant,
    ]  # fmt: skip
    statements = connection.ops.sequence_reset_sql(no_style(), seeded)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def version_stats_rebuild() -> int:
    """Rebuild every VersionStats row from the call logs with grouped aggregates.

    The same figures call_log_process keeps one call at a time (uses, edited uses,
    reactions, outcomes, objections, last use), in four grouped queries instead of a
    million locked increments.
    """
    reaction = {f"reaction_{r}": Count("pk", filter=Q(reaction=r)) for r in range(1, 6)}
    base = (
        CallLog.objects.order_by()
        .values("version_id")
        .annotate(
            uses=Count("pk"),
            edited_uses=Count("pk", filter=Q(has_edits=True)),
            last_used_at=Max("occurred_at"),
            **reaction,
        )
    )
    outcomes: dict[int, dict] = defaultdict(dict)
    for row in CallLog.objects.order_by().values("version_id", "outcome").annotate(n=Count("pk")):
        outcomes[row["version_id"]][row["outcome"]] = row["n"]
    objections: dict[int, dict] = defaultdict(dict)
    through = CallLog.objections.through
    for row in (
        through.objects.order_by()
        .values("calllog__version_id", "objectiontag__name")
        .annotate(n=Count("pk"))
    ):
        objections[row["calllog__version_id"]][row["objectiontag__name"]] = row["n"]
    now = timezone.now()
    rows = [
        VersionStats(
            version_id=row["version_id"],
            uses=row["uses"],
            edited_uses=row["edited_uses"],
            last_used_at=row["last_used_at"],
            outcomes=outcomes[row["version_id"]],
            objections=objections[row["version_id"]],
            updated_at=now,
            **{name: row[name] for name in reaction},
        )
        for row in base
    ]
    with transaction.atomic():
        VersionStats.objects.all().delete()
        VersionStats.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def suggestion_evidence_rebuild() -> int:
    """Recompute every suggestion's evidence (feedback.services.suggestion_refresh's
    figures) with grouped aggregates: "with" = the calls whose edit it groups, "without"
    = the other calls on its version; positive = reaction 4 or 5, win = lead won.
    The proposed wording is the most frequent edited text (the medoid of identical
    wordings)."""
    positive = Q(reaction__gte=CallLog.Reaction.POSITIVE)
    won = Q(lead__status=Lead.Status.WON)
    per_version = {
        row["version_id"]: row
        for row in CallLog.objects.order_by()
        .values("version_id")
        .annotate(
            calls=Count("pk"), positive=Count("pk", filter=positive), wins=Count("pk", filter=won)
        )
    }
    with_edit = {
        row["suggestion_id"]: row
        for row in PassageEdit.objects.filter(suggestion__isnull=False)
        .order_by()
        .values("suggestion_id")
        .annotate(
            calls=Count("call_log_id", distinct=True),
            reps=Count("call_log__salesperson_id", distinct=True),
            positive=Count("call_log_id", distinct=True, filter=Q(call_log__reaction__gte=4)),
            wins=Count("call_log_id", distinct=True, filter=Q(call_log__lead__status="won")),
        )
    }
    texts: dict[int, Counter] = defaultdict(Counter)
    for sid, text in (
        PassageEdit.objects.filter(suggestion__isnull=False, kind="rewrite")
        .order_by()
        .values_list("suggestion_id", "edited_text")
    ):
        texts[sid][text] += 1
    suggestions = list(Suggestion.objects.all())
    variant_fields = {}
    for s in suggestions:
        w = with_edit.get(s.pk, {"calls": 0, "reps": 0, "positive": 0, "wins": 0})
        v = per_version.get(s.version_id, {"calls": 0, "positive": 0, "wins": 0})
        s.call_count, s.rep_count = w["calls"], w["reps"]
        s.with_positive = w["positive"] / w["calls"] if w["calls"] else None
        s.with_wins = w["wins"] / w["calls"] if w["calls"] else None
        rest = v["calls"] - w["calls"]
        s.without_count = rest
        s.without_positive = (v["positive"] - w["positive"]) / rest if rest else None
        s.without_wins = (v["wins"] - w["wins"]) / rest if rest else None
        lift = (s.with_positive or 0) - (s.without_positive or 0)
        s.score = s.call_count + 2 * s.rep_count + 10 * max(lift, 0)
        if texts[s.pk]:
            s.proposed_text = texts[s.pk].most_common(1)[0][0]
        variant_fields[s.pk] = {
            "call_count": s.call_count, "rep_count": s.rep_count,
            "with_positive": s.with_positive, "with_wins": s.with_wins,
            "without_count": s.without_count, "without_positive": s.without_positive,
            "without_wins": s.without_wins, "score": s.score, "wording": s.proposed_text,
        }  # fmt: skip
    fields = [
        "call_count", "rep_count", "with_positive", "with_wins", "without_count",
        "without_positive", "without_wins", "score", "proposed_text",
    ]  # fmt: skip
    with transaction.atomic():
        Suggestion.objects.bulk_update(suggestions, fields, batch_size=1000)
        # Each seeded suggestion has one variant holding all its edits: the same figures.
        variants = list(SuggestionVariant.objects.filter(suggestion_id__in=variant_fields))
        for variant in variants:
            for name, value in variant_fields[variant.suggestion_id].items():
                setattr(variant, name, value)
        SuggestionVariant.objects.bulk_update(
            variants, list(next(iter(variant_fields.values()), {})), batch_size=1000
        )
    return len(suggestions)
