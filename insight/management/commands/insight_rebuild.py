from django.core.management.base import BaseCommand

from insight.services import attribution_rebuild_all, handoff_facts_rebuild_all


class Command(BaseCommand):
    help = (
        "Rebuild every insight aggregate: attribution from call logs and opportunities, "
        "loop health's handoff facts from attempts and SLA breaches. "
        "Idempotent: run it on an existing database, after a restore, or any time."
    )

    def handle(self, *args, **options):
        result = attribution_rebuild_all()
        facts = handoff_facts_rebuild_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt attribution: {result['leads']} leads, {result['rows']} rows, "
                f"{result['versions']} versions. Rebuilt loop health: {facts} handoffs."
            )
        )
