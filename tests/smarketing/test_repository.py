"""The repository explains itself: the README's two commands, `make help`, the product
brief inside the repository, and a CI script that leaves nothing behind."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_starts_with_the_two_commands_and_links_the_brief_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert readme.splitlines()[2:6] == [
        "```sh",
        "make run    # set up a virtualenv, install, migrate, seed the demo company, serve "
        "http://127.0.0.1:8000",
        "make test   # lint, check migrations, run the whole test suite",
        "```",
    ]
    assert "../shared" not in readme
    assert "(docs/product.md)" in readme
    assert (ROOT / "docs" / "product.md").read_text().startswith("# Smarketing: the product brief")
    assert "seed_demo --reset-passwords" in readme
    for username in ("admin", "maria", "nora", "alex"):
        assert f"`{username}`" in readme


def test_make_help_lists_every_target_with_what_it_does():
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    listed = dict(re.findall(r"^\s+make (\S+)\s+(.+)$", result.stdout, re.MULTILINE))
    assert {"help", "run", "test", "install", "worker", "beat"} <= set(listed)
    assert "worker and beat" in listed["run"]


def test_make_test_runs_the_suite_in_parallel():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\t\$\(BIN\)/pytest -n \$\(PYTEST_WORKERS\)", makefile, re.MULTILINE)


def _services_up() -> bool:
    if not (shutil.which("psql") and shutil.which("redis-cli") and shutil.which("pg_isready")):
        return False
    pg = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], capture_output=True)
    redis = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True)
    return pg.returncode == 0 and b"PONG" in redis.stdout and bool(shutil.which("chromium"))


FAKE_MAKE = """#!/usr/bin/env bash
# Stands in for `make test`: the PostgreSQL run makes the test databases and a Redis key
# a real run would, then fails.
if [ -n "${DATABASE_URL:-}" ]; then
  db="${DATABASE_URL##*/}"
  createdb -h 127.0.0.1 -U postgres "test_${db}_gw0"
  createdb -h 127.0.0.1 -U postgres "test_${db}"
  redis-cli -h 127.0.0.1 -n "${REDIS_URL##*/}" set left-behind 1 >/dev/null
  echo "redis db ${REDIS_URL##*/}"
  exit 1
fi
"""


def test_ci_gives_each_run_its_own_database_and_redis_db_and_cleans_up_after_a_failure(
    tmp_path,
):
    if not _services_up():
        pytest.skip("needs PostgreSQL, Redis and chromium on this machine")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "make").write_text(FAKE_MAKE)
    (fake / "make").chmod(0o755)
    run_id = str(900000 + os.getpid() % 99999)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "CI_RUN_ID": run_id}
    result = subprocess.run(
        [str(ROOT / ".ci" / "run")], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"smarketing_ci_{run_id}" in result.stdout
    [redis_db] = re.findall(r"redis db (\d+)", result.stdout)
    left = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
         f"SELECT datname FROM pg_database WHERE datname LIKE '%smarketing_ci_{run_id}%'"],  # noqa: S608 - digits
        capture_output=True, text=True,
    )  # fmt: skip
    assert left.returncode == 0 and left.stdout.strip() == ""
    keys = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-n", redis_db, "exists", "left-behind"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert keys.stdout.strip() == "0"
