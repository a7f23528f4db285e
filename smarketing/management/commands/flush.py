"""`flush`, allowed past the append-only triggers (see smarketing.immutability).

Emptying every table is a deliberate act on the whole database (the test runner does it
between transactional tests); it is not the row-by-row rewrite the triggers refuse.
"""

from django.core.management.commands import flush

from smarketing.immutability import purge_allowed


class Command(flush.Command):
    def handle(self, **options):
        with purge_allowed():
            return super().handle(**options)
