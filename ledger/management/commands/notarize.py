import base64

from django.core.management.base import BaseCommand, CommandError

from ledger import notary
from ledger.keys import KeyNotFound


class Command(BaseCommand):
    help = (
        "Notarize now: sign a checkpoint of every entry appended since the last one and have "
        "each witness cosign it, through the same code as the scheduled task."
    )

    def handle(self, *args, **options):
        try:
            made = notary.notarize_pending(cosign="inline")
        except (KeyNotFound, notary.NotaryError) as error:
            raise CommandError(str(error)) from None
        latest = notary.latest_notarized()
        if not made:
            self.stdout.write("no new entries since the last checkpoint")
        for checkpoint in made:
            signers = [notary.origin(), *checkpoint.cosignatures.values_list("witness", flat=True)]
            state = "notarized" if notary.is_notarized(checkpoint) else "NOT notarized"
            self.stdout.write(
                f"checkpoint {checkpoint.size}: root {base64.b64encode(checkpoint.root).decode()} "
                f"{state}, signed by {', '.join(signers)}"
            )
        if latest is None:
            self.stdout.write("no notarized checkpoint yet")
        elif made and made[-1].size != latest.size:
            raise CommandError(
                f"the newest checkpoint {made[-1].size} lacks the witness quorum "
                f"({notary.quorum()}); the newest notarized one is {latest.size}"
            )
