"""Writing generated rows fast: batched COPY (PostgreSQL) or executemany, a progress
bar, and the clean-up after ids were chosen up front (live versions, sequences)."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from feedback.models import CallLog, ObjectionTag, PassageEdit, Suggestion, SuggestionVariant
from leads.models import (
    Account,
    Attempt,
    Handoff,
    Lead,
    Opportunity,
    SlaBreach,
    Team,
    TeamMembership,
)
from messaging.models import Message, MessageVersion, Passage, Persona

BATCH = 20_000


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
