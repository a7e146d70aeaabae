"""``manage.py ledger_mirror_token NAME``: a fresh bearer token for an alliance mirror.

Prints the token (give it to the mirror, e.g. in its ``--token-file``; it is shown only here) and
the ``NAME:<SHA-256 hex>`` item to add to EPORT_LEDGER_MIRROR_TOKENS on this server, which keeps
only the digest.
"""

import hashlib
import secrets

from django.core.management.base import BaseCommand, CommandError

from ledger.checks import MIRROR_NAME_PATTERN


class Command(BaseCommand):
    help = (
        "Make a bearer token for an alliance mirror that reads entry bundles: print the token "
        "and the NAME:<SHA-256 hex> item to add to EPORT_LEDGER_MIRROR_TOKENS."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the mirror's name, e.g. bank-a.mirror")

    def handle(self, *args, name, **options):
        if not MIRROR_NAME_PATTERN.match(name):
            raise CommandError(
                f"mirror name {name[:100]!r} must be 1 to 100 letters, digits and . _ @ / -"
            )
        token = secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode("ascii")).hexdigest()
        self.stderr.write("the mirror's bearer token (keep it secret; it is not stored here):")
        self.stdout.write(token)
        self.stderr.write("add this item to EPORT_LEDGER_MIRROR_TOKENS (comma separated):")
        self.stdout.write(f"{name}:{digest}")
