"""Demo data for trade finance: two alliance banks, their staff, and released demo declarations
presented, financed, disbursed, repaid and cancelled.

Runs after ``seed_demo`` (and runs it first if its declarations are missing). Everything goes
through the services, so the ledger holds the whole story and ``verify_ledger`` passes.
Idempotent: a bank or user that exists is left alone, and a declaration already presented to any
bank is not touched again, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from eport.accounts import services as accounts
from eport.accounts.models import Bank, User
from eport.banks import services
from eport.banks.models import Financing, Presentation
from eport.core import actors
from eport.declarations.models import Declaration
from eport.demo.management.commands.seed_demo import PASSWORD

ACTOR = actors.SEED
# The bank that holds the alliance's bank witness key, where that witness is configured.
WITNESS_KEY = "bank.witness"
# (username, BIC, legal name, CNAPS code)
BANKS = (
    (
        "bank",
        "ICBKCNBJSHI",
        "Industrial and Commercial Bank of China, Shanghai Municipal Branch",
        "102290000011",
    ),
    ("bank2", "BKCHCNBJ300", "Bank of China, Shanghai Branch", "104290003791"),
)
Instrument = Financing.Instrument

# One story per released demo declaration (by LRN). A step is (move, bank username, arguments):
# "present" and "withdraw" are the trader's; "register" takes the share of the invoice total and
# the instrument; "disburse" optionally a share of the registered amount; "repay" and "cancel".
STORIES = {
    # Financed in full by two banks: bank registers 60 %, disburses it and is repaid; bank2 then
    # registers the 40 % that remain.
    "DEMO-A04": [
        ("present", "bank", None),
        ("present", "bank2", None),
        ("register", "bank", (Decimal("0.60"), Instrument.IMPORT_PAYMENT)),
        ("disburse", "bank", None),
        ("repay", "bank", None),
        ("register", "bank2", (Decimal("0.40"), Instrument.INVOICE)),
    ],
    # Financed in full, disbursed at 5/6: the undisbursed sixth is financeable again.
    "DEMO-A05": [
        ("present", "bank", None),
        ("register", "bank", (Decimal("1"), Instrument.INVOICE)),
        ("disburse", "bank", Decimal("5") / Decimal("6")),
    ],
    # Presented to both; bank2's financing was cancelled, bank's presentation withdrawn.
    "DEMO-A13": [
        ("present", "bank", None),
        ("present", "bank2", None),
        ("register", "bank2", (Decimal("0.25"), Instrument.IMPORT_PAYMENT)),
        ("cancel", "bank2", None),
        ("withdraw", "bank", None),
    ],
    # The other company's declaration, presented to bank and waiting for its check.
    "DEMO-B01": [("present", "bank", None)],
}
CENT = Decimal("0.01")


class Command(BaseCommand):
    help = (
        "Create two demo alliance banks with staff (bank, bank2; the demo password) and present, "
        "finance, disburse, repay and cancel financings of released demo declarations, all "
        "through the services and the ledger. Runs seed_demo first if needed. Idempotent."
    )

    def handle(self, *args, **options):
        if Declaration.objects.filter(lrn__in=STORIES).count() != len(STORIES):
            call_command("seed_demo", stdout=self.stdout)
        staff = self._banks()
        told = 0
        for lrn, story in STORIES.items():
            declaration = Declaration.objects.filter(lrn=lrn).select_related("company").first()
            if declaration is None or declaration.status != Declaration.Status.RELEASED:
                raise CommandError(f"the demo declaration {lrn} is missing or not released")
            if Presentation.objects.filter(declaration=declaration).exists():
                continue
            trader = User.objects.filter(company=declaration.company, role=User.Role.TRADER)
            with transaction.atomic():
                self._tell(declaration, story, trader=trader.order_by("pk").first(), staff=staff)
            told += 1
        accounts_line = ", ".join(
            f"{username} ({user.bank.bic})" for username, user in staff.items()
        )
        self.stdout.write(
            f"bank demo ready: {told} declaration(s) presented to banks now, "
            f"{Financing.objects.filter(bank__in=[u.bank for u in staff.values()]).count()} "
            f"demo financings; sign in as {accounts_line} with password {PASSWORD!r}"
        )

    @transaction.atomic
    def _banks(self) -> dict[str, User]:
        staff = {}
        for number, (username, bic, legal_name, cnaps) in enumerate(BANKS):
            bank = Bank.objects.filter(bic=bic).first()
            if bank is None:
                witness = WITNESS_KEY if number == 0 and WITNESS_KEY in _witnesses() else ""
                bank = accounts.create_bank(
                    actor=ACTOR, bic=bic, legal_name=legal_name, cnaps=cnaps, witness_key=witness
                )
            user = User.objects.filter(username=username).first()
            if user is None:
                user = accounts.create_user(
                    actor=ACTOR,
                    username=username,
                    role=User.Role.BANK,
                    bank=bank,
                    password=PASSWORD,
                )
            staff[username] = user
        return staff

    def _tell(self, declaration: Declaration, story, *, trader: User, staff: dict[str, User]):
        financings: dict[str, Financing] = {}
        value_date = timezone.localdate(declaration.released_at)
        for move, username, argument in story:
            actor = staff[username]
            if move == "present":
                services.present_declaration(declaration=declaration, actor=trader, bank=actor.bank)
            elif move == "withdraw":
                presentation = Presentation.objects.get(
                    declaration=declaration, bank=actor.bank, withdrawn_at__isnull=True
                )
                services.withdraw_presentation(presentation=presentation, actor=trader)
            elif move == "register":
                share, instrument = argument
                financings[username] = services.register_financing(
                    declaration=declaration,
                    actor=actor,
                    instrument=instrument,
                    amount=(declaration.invoice_total * share).quantize(CENT),
                    value_date=value_date,
                    maturity_date=value_date + timedelta(days=90),
                    bank_reference=f"{actor.bank.bic[:4]}-{declaration.lrn}",
                )
            elif move == "disburse":
                financing = financings[username]
                amount = None if argument is None else (financing.amount * argument).quantize(CENT)
                financings[username] = services.disburse_financing(
                    financing=financing, actor=actor, version=financing.version, amount=amount
                )
            elif move == "repay":
                financing = financings[username]
                financings[username] = services.repay_financing(
                    financing=financing, actor=actor, version=financing.version
                )
            elif move == "cancel":
                financing = financings[username]
                financings[username] = services.cancel_financing(
                    financing=financing,
                    actor=actor,
                    version=financing.version,
                    reason="The trader chose another offer.",
                )


def _witnesses() -> list[str]:
    return list(getattr(settings, "EPORT_WITNESSES", []))
