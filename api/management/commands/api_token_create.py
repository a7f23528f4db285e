"""Make a personal API token from the shell (for a script's set-up); the page is
/api/tokens/. The token is printed once: only its digest is stored."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="What will use it, e.g. 'CRM sync'.")
        parser.add_argument("--days", type=int, default=None, help="Expire after N days.")

    def handle(self, *args, username, name, days, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        expires = timezone.now() + timedelta(days=days) if days else None
        try:
            _token, raw = token_create(user=user, name=name, expires_at=expires)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(raw)
