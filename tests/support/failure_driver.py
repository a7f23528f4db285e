"""A separate process for the failure tests: it logs calls or drains the outbox against
whatever broker REDIS_URL names, with the test run's database (see tests/support/worker.py).

    python -m tests.support.failure_driver log USER_ID VERSION_ID LEAD_ID [LEAD_ID ...]
    python -m tests.support.failure_driver drain
"""

import sys

import django


def main(argv):
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from feedback import services
    from leads.models import Lead
    from messaging.models import MessageVersion
    from smarketing.outbox import outbox_drain

    if argv[0] == "log":
        user = get_user_model().objects.get(pk=argv[1])
        version = MessageVersion.objects.get(pk=argv[2])
        for lead_id in argv[3:]:
            with transaction.atomic():
                services.call_log_create(
                    user=user,
                    lead=Lead.objects.get(pk=lead_id),
                    version=version,
                    reaction=5,
                    outcome="meeting_booked",
                    edited_body=version.body,
                )
        print(f"logged {len(argv) - 3} calls")
    elif argv[0] == "drain":
        print(f"sent {outbox_drain()}")


if __name__ == "__main__":
    main(sys.argv[1:])
