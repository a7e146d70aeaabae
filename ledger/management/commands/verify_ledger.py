import sys

from django.core.management.base import BaseCommand, CommandError

from ledger import conf
from ledger.verify import Progress, verify_chain
from ledger.verify_checkpoints import verify_checkpoints


class Command(BaseCommand):
    help = (
        "Verify the ledger's hash chain: seq continuity, prev links, canonical RFC 8785 bytes "
        "and the genesis entry. Exits non-zero naming the first broken entry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="from_seq",
            type=int,
            default=0,
            metavar="N",
            help="first seq to check (default 0)",
        )
        parser.add_argument(
            "--to",
            dest="to_seq",
            type=int,
            default=None,
            metavar="M",
            help="last seq to check, inclusive (default: the head)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="processes checking ranges of the chain at once (default: EPORT_VERIFY_WORKERS, "
            "or one per CPU); 1 checks it in one pass",
        )

    def handle(self, *args, from_seq, to_seq, workers, **options):
        if from_seq < 0:
            raise CommandError("--from must be 0 or more")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more")
        if to_seq is not None and to_seq < from_seq:
            raise CommandError("--to must not be smaller than --from")
        interactive = self.stdout.isatty() or sys.stderr.isatty()
        report = verify_chain(
            from_seq=from_seq,
            to_seq=to_seq,
            on_progress=self._show_progress if interactive else None,
            workers=workers or conf.verify_workers(),
        )
        if interactive:
            sys.stderr.write("\r\033[K")
        # Checkpoint roots cover the ledger from entry 0, so only a whole-ledger run checks them.
        checkpoints = verify_checkpoints() if from_seq == 0 and to_seq is None else None
        if checkpoints is not None:
            for problem in checkpoints.problems:
                self.stderr.write(str(problem))
        if not report.ok:
            self.stderr.write(str(report.failure))
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())
        if checkpoints is not None:
            if not checkpoints.ok:
                raise CommandError(checkpoints.summary(), returncode=1)
            if checkpoints.checkpoints:
                self.stdout.write(checkpoints.summary())

    @staticmethod
    def _show_progress(progress: Progress):
        share = progress.checked / progress.total if progress.total else 1.0
        sys.stderr.write(
            f"\rverifying: {progress.checked:,}/{progress.total:,} ({share:.0%}), "
            f"{progress.rate:,.0f} entries/s"
        )
        sys.stderr.flush()
