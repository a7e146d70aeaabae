from django.core.management.base import BaseCommand, CommandError

from eport.audit.reconcile import reconcile_declarations


class Command(BaseCommand):
    help = (
        "Reconcile the live data with the ledger: every record ledgered with a state against its "
        "latest entry, every document file against its recorded SHA-256 and size, and every paid "
        "or released declaration against its tax bill. Prints each finding; exits 1 on any."
    )

    def handle(self, *args, **options):
        report = reconcile_declarations(on_finding=self._show)
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())

    def _show(self, finding) -> None:
        where = f" (entry {finding.entry_seq})" if finding.entry_seq is not None else ""
        number = f" {finding.number}" if finding.number else ""
        detail = f": {finding.detail}" if finding.detail else ""
        self.stderr.write(f"{finding.kind} {finding.subject}{number}{where}{detail}")
