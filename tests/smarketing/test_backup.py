"""A PostgreSQL dump restores into an empty database with every row (README: Backup)."""

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection


def table_counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_an_empty_database_with_every_row(tmp_path):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL backup test: runs in CI's PostgreSQL run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "django.conf.settings.EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
        )
        call_command("seed_demo", stdout=open(tmp_path / "seed.log", "w"))  # noqa: SIM115
    params = connection.get_connection_params()
    host, port, user = (
        params.get("host", "127.0.0.1"),
        str(params.get("port", 5432)),
        params["user"],
    )
    source = params["dbname"]
    target = f"restore_check_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "smarketing.dump"
    common = ["-h", host, "-p", port, "-U", user]
    subprocess.run(["pg_dump", *common, "-Fc", "-f", str(dump), source], check=True)
    subprocess.run(["createdb", *common, target], check=True)
    try:
        subprocess.run(
            ["pg_restore", *common, "--no-owner", "--exit-on-error", "-d", target, str(dump)],
            check=True,
        )
        base = f"host={host} port={port} user={user}"
        before = table_counts(f"{base} dbname={source}")
        after = table_counts(f"{base} dbname={target}")
        assert before == after
        assert before["leads_lead"] > 0 and before["feedback_calllog"] > 0
        assert before["smarketing_auditentry"] > 0
    finally:
        subprocess.run(["dropdb", *common, "--if-exists", target], check=True)
