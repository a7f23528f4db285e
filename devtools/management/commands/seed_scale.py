"""Seed an empty database with a company with years of data (issue 7's scale data).

    export SMARKETING_DEVTOOLS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/smk_scale
    python manage.py migrate
    python manage.py seed_scale --password 'a-long-secret'

Defaults: 200 salespeople in 20 teams, 100,000 leads, 2,000 messages with 10,000
versions, 1,000,000 call logs (about 15% with passage edits), 300,000 attempts and
20,000 opportunities. It REFUSES a database that already holds messages, leads, call
logs, teams or accounts (exit status 1): ids are chosen by the seeder, so it only ever
fills an empty database. See devtools.scale for how and why.
"""

import secrets
import time

from django.core.management.base import BaseCommand, CommandError

from devtools.scale import NotEmpty, Sizes, scale_seed


class Command(BaseCommand):
    help = "Fill an EMPTY database with scale data (refuses a non-empty one)."

    def add_arguments(self, parser):
        defaults = Sizes()
        for name in (
            "salespeople", "teams", "leads", "messages", "versions", "calls", "attempts",
            "opportunities", "marketers", "seed",
        ):  # fmt: skip
            parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
        parser.add_argument(
            "--password",
            default=None,
            help="Password of every seeded person (scale-rep-1, scale-manager-1, "
            "scale-marketer-1, ...); a random one is printed when omitted.",
        )

    def handle(self, *args, password, **options):
        sizes = Sizes(**{k: options[k] for k in Sizes.__dataclass_fields__})
        if sizes.messages < 1 or sizes.versions < sizes.messages or sizes.teams < 1:
            raise CommandError("Need at least one message, one team and a version per message.")
        if sizes.salespeople < sizes.teams or sizes.marketers < 1:
            raise CommandError("Need at least one salesperson per team and one marketer.")
        if sizes.opportunities > sizes.leads:
            raise CommandError("Cannot have more opportunities than leads.")
        password = password or secrets.token_urlsafe(16)
        started = time.monotonic()
        try:
            counts = scale_seed(sizes=sizes, out=self.stdout, password=password)
        except NotEmpty as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        for name, count in counts.items():
            self.stdout.write(f"  {name:<18} {count:>10,}")
        self.stdout.write(f"Password of every seeded person: {password}")
        self.stdout.write(self.style.SUCCESS(f"Seeded in {elapsed:.0f} s."))
