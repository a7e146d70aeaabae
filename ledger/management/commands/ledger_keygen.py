from django.core.management.base import BaseCommand, CommandError

from ledger import keys


class Command(BaseCommand):
    help = (
        "Write any missing development signing keys (ledger and witnesses) into EPORT_KEYS_DIR "
        "and print the verifier keys. Existing keys and keys given in the environment are kept."
    )

    def handle(self, *args, **options):
        try:
            results = keys.ensure_keys()
            verifier_keys = keys.verifier_keys()
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from None
        for name, created in results:
            if created:
                self.stderr.write(f"created a signing key for {name} in {keys.key_file(name)}")
        for line in verifier_keys:
            self.stdout.write(line)
