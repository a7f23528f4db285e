from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo.seed import PEOPLE, seed_demo
from smarketing.celery import app as celery_app


class Command(BaseCommand):
    help = "Create (or complete) the demo company. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo user a new random password and print them.",
        )

    def handle(self, *args, reset_passwords=False, **options):
        # The demo raises SLA breaches; their emails are not for anyone's inbox. Its
        # background work (the engine on the demo's calls, notices) runs here, eagerly:
        # the company is whole when the command ends, and those emails stay in locmem
        # instead of reaching the console later from the worker.
        previous = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                report = seed_demo(reset_passwords=reset_passwords)
        finally:
            celery_app.conf.task_always_eager = previous
        for name, count in report.counts.items():
            self.stdout.write(f"  {name}: {count}")
        if report.created_passwords:
            roles = {username: role for username, _f, _l, role, _t in PEOPLE}
            self.stdout.write(self.style.WARNING("\nDemo logins (shown only now, keep them):"))
            for username, password in report.created_passwords.items():
                self.stdout.write(f"  {username:<8} {password:<14} {roles.get(username, '')}")
        else:
            self.stdout.write(
                "\nDemo users already exist; their passwords were printed when they were "
                "created. New ones: python manage.py seed_demo --reset-passwords"
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
