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

The package: `seed` generates and writes the company, `writer` the batched writes,
`words` the made-up names and distributions, `rebuild` the engine's figures in bulk.
"""

from .rebuild import suggestion_evidence_rebuild, version_stats_rebuild
from .seed import NotEmpty, Sizes, database_is_empty, scale_seed

__all__ = [
    "NotEmpty",
    "Sizes",
    "database_is_empty",
    "scale_seed",
    "suggestion_evidence_rebuild",
    "version_stats_rebuild",
]
