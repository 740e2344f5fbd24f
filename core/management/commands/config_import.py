"""`manage.py config_import FILE --user USERNAME [--dry-run]`: import a configuration file
(issue 20.6) as the administrator USERNAME, exactly as `POST /api/v1/configuration/import/`
does: all or nothing, each change audited as theirs; `--dry-run` only says what would change."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.configuration import MAX_BYTES, configuration_import, configuration_read
from core.context import RequestContext, reset, set_current
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Import a configuration file as an administrator (all or nothing, audited)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the configuration file (JSON)")
        parser.add_argument("--user", required=True, help="the importing administrator")
        parser.add_argument("--dry-run", action="store_true", help="only say what would change")

    def handle(self, *args, path, user, dry_run=False, **options):
        by = get_user_model().objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"no active user {user!r}")
        token = set_current(RequestContext(via="command"))
        try:
            with open(path, "rb") as handle:
                document = configuration_read(handle.read(MAX_BYTES + 1))
            result = configuration_import(document=document, by=by, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except ApplicationError as exc:
            lines = [exc.message] + [
                f"  {name}: {message}" for name, msgs in exc.fields.items() for message in msgs
            ]
            raise CommandError("\n".join(lines)) from None
        finally:
            reset(token)
        for row in result["entries"]:
            self.stdout.write(f"{row['outcome']}\t{row['entry']}")
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{result['created']} created, {result['changed']} changed, "
            f"{result['unchanged']} unchanged"
        )
