"""Seed a believable demo company: org tree, a user per role, customers, leads, opportunities,
contracts and collections in many states. Each app seeds its own part (core.demo)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from core import demo
from core.context import RequestContext, reset, set_current

DEFAULT_PASSWORD = "ltc-demo-2026"
DUMMY_MAIL = "django.core.mail.backends.dummy.EmailBackend"


class Command(BaseCommand):
    help = "Create the demo company and its users (skipped when it exists)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password of every demo user."
        )
        parser.add_argument("--url", default="", help="Where the app will be served (printed).")

    def handle(self, *args, password: str, url: str = "", **options):
        from accounts.models import User

        ctx = demo.DemoContext(password=password, log=self.stdout.write)
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already present; nothing seeded.")
        else:
            token = set_current(RequestContext(via="command"))
            try:
                # The demo's notifications stay in-app: no e-mail storm on the console.
                with override_settings(EMAIL_BACKEND=DUMMY_MAIL), transaction.atomic():
                    for _order, name, seeder in demo.seeders():
                        self.stdout.write(f"Seeding {name} ...")
                        seeder(ctx)
            finally:
                reset(token)
        self.stdout.write(self.style.SUCCESS(f"\nDemo users (password: {password}):"))
        for user in (
            User.objects.filter(is_active=True)
            .select_related("org_unit")
            .order_by("role", "username")[:40]
        ):
            self.stdout.write(
                f"  {user.username:<14} {user.get_role_display():<28} {user.org_unit or ''}"
            )
        if url:
            self.stdout.write(f"\nOpen {url} and sign in as one of them.")
        self.stdout.write(
            "Read next: README.md (what the CRM does, the demo, the map of the code) and "
            "docs/adr/ (the decisions behind it)."
        )
