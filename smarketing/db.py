"""Database housekeeping shared by the apps."""

from django.db import connection


def tables_analyze(*models) -> None:
    """Refresh the query planner's statistics of these models' tables (of every table
    when none is given), after a bulk load.

    Without it the planner keeps estimating a table by what it held before the load: on
    PostgreSQL the attribution page took 11.5 s after seed_scale until autovacuum got
    round to it (a nested loop chosen for a million rows thought to be none). PostgreSQL:
    `ANALYZE table` (allowed inside a transaction, unlike VACUUM); SQLite: `ANALYZE`
    writes sqlite_stat1, which its planner reads on the next connection.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not models:
            cursor.execute("ANALYZE")
        for model in models:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
