"""Issue the tax bill of every assessed declaration that has none.

Assessment issues each declaration's bill in its own transaction; declarations assessed before
tax bills existed have none and could not be paid. This issues theirs, dated today, through the
same service (``bill.issued`` by ``system:billing``). A second run finds nothing to do.
"""

from django.core.management.base import BaseCommand

from eport.core import actors
from eport.declarations.models import Declaration
from eport.payments import services


class Command(BaseCommand):
    help = "Issue the tax bill of every assessed declaration that has none. Idempotent."

    def handle(self, *args, **options):
        waiting = Declaration.objects.filter(
            status=Declaration.Status.ASSESSED, tax_bill__isnull=True
        ).select_related("company")
        issued = 0
        for declaration in waiting.iterator():
            services.issue_bill(declaration=declaration, actor=actors.BILLING)
            issued += 1
        self.stdout.write(f"tax bills issued: {issued}")
