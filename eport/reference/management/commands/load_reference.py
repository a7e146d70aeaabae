import time

from django.core.management.base import BaseCommand

from eport.reference.loading import load_reference


class Command(BaseCommand):
    help = (
        "Load the shipped reference data: HS 2022, customs offices, the illustrative tariff and "
        "the illustrative goods controls (licences, inspection). Idempotent: existing offices, "
        "tariff lines and goods controls (possibly edited by officers) are kept."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        summary = load_reference()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{summary} in {elapsed:.2f} s")
