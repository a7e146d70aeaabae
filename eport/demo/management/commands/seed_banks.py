"""Demo data for the banks: two alliance banks and their staff; released demo declarations
presented, financed, disbursed, repaid and cancelled; and duties and taxes paid through them
(payment agreements, a guarantee, an e-payment waiting for the bank, a bill released against the
guarantee, and bills left open for the trader to pay).

Runs after ``seed_demo`` (and runs it first if its declarations are missing). Everything goes
through the services, so the ledger holds the whole story and ``verify_ledger`` passes.
Idempotent: a bank or user that exists is left alone, a declaration already presented to any
bank is not touched again, an account that has an agreement, a guarantee reference that exists
and a bill that has left *open* or has had an instruction are left alone, so a second run
changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
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
from eport.declarations.errors import TransitionError
from eport.declarations.models import Declaration
from eport.demo.management.commands.seed_demo import PASSWORD
from eport.payments import selectors as payment_selectors
from eport.payments import services as payments
from eport.payments.models import Guarantee, PaymentAgreement, TaxBill

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

# Payment agreements: (trader, bank staff, account number, put in force by the bank?).
AGREEMENTS = (
    ("trader", "bank", "1001244309300012345", True),
    ("trader2", "bank2", "437358912345", False),
)
# ICBC's general guarantee for the trader's company (aggregate taxation), valid a year.
GUARANTEE = ("bank", "trader", Decimal("500000.00"), "ICBK-BG-DEMO-A")
# The trader has instructed ICBC to pay this bill; the bank user has it to confirm or refuse.
WAITING_PAYMENT = "DEMO-A16"
# Released against the guarantee: the declaration is paid (a yellow one waits for the officer's
# release) and its bill is due later, by the aggregate date.
RELEASED_AGAINST_GUARANTEE = "DEMO-A11"
# Left with open bills: the trader's to pay (DEMO-A03) and trader2's (DEMO-B03).
OPEN_BILLS = ("DEMO-A03", "DEMO-B03")
PAYMENT_STORIES = (
    f"trader's ICBC account in force and trader2's asked of BOC, ICBC's CNY {GUARANTEE[2]:,.2f} "
    f"guarantee for company A, {WAITING_PAYMENT}'s e-payment waiting for bank to confirm, "
    f"{RELEASED_AGAINST_GUARANTEE} released against the guarantee, {OPEN_BILLS[0]} open for "
    "trader to pay"
)


class Command(BaseCommand):
    help = (
        "Create two demo alliance banks with staff (bank, bank2; the demo password); present, "
        "finance, disburse, repay and cancel financings of released demo declarations; and pay "
        "duties and taxes through the banks (agreements, a guarantee, an e-payment waiting for "
        "the bank, a bill released against the guarantee), all through the services and the "
        "ledger. Runs seed_demo first if needed. Idempotent."
    )

    def handle(self, *args, **options):
        needed = {*STORIES, WAITING_PAYMENT, RELEASED_AGAINST_GUARANTEE, *OPEN_BILLS}
        if Declaration.objects.filter(lrn__in=needed).count() != len(needed):
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
        paid = self._payments(staff)
        accounts_line = ", ".join(
            f"{username} ({user.bank.bic})" for username, user in staff.items()
        )
        self.stdout.write(
            f"bank demo ready: {told} declaration(s) presented to banks now, "
            f"{Financing.objects.filter(bank__in=[u.bank for u in staff.values()]).count()} "
            f"demo financings; {paid} payment step(s) taken now ({PAYMENT_STORIES}); "
            f"sign in as {accounts_line} with password {PASSWORD!r}"
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

    # --- duties and taxes paid through the banks -------------------------------------------

    def _payments(self, staff: dict[str, User]) -> int:
        """Tell the payment stories not told yet; returns how many steps were taken now."""
        traders = User.objects.filter(username__in=["trader", "trader2"]).select_related("company")
        people = {user.username: user for user in traders}
        steps = 0
        agreements = {}
        for trader_name, bank_name, account, confirmed in AGREEMENTS:
            trader, bank_user = people[trader_name], staff[bank_name]
            agreement = (
                PaymentAgreement.objects.filter(bank=bank_user.bank, account_number=account)
                .order_by("-pk")
                .first()
            )
            if agreement is None:
                with transaction.atomic():
                    agreement = payments.request_agreement(
                        actor=trader, bank=bank_user.bank, account_number=account
                    )
                    steps += 1
                    if confirmed:
                        agreement = payments.confirm_agreement(
                            agreement=agreement, actor=bank_user, version=agreement.version
                        )
                        steps += 1
            agreements[trader_name] = agreement

        bank_name, trader_name, amount, reference = GUARANTEE
        bank_user, trader = staff[bank_name], people[trader_name]
        guarantee = Guarantee.objects.filter(bank=bank_user.bank, bank_reference=reference).first()
        if guarantee is None:
            valid_from = payment_selectors.today()
            guarantee = payments.issue_guarantee(
                actor=bank_user,
                company=trader.company,
                amount=amount,
                valid_from=valid_from,
                valid_until=_a_year_from(valid_from),
                bank_reference=reference,
            )
            steps += 1

        bill = self._untouched_bill(WAITING_PAYMENT)
        agreement = agreements["trader"]
        if bill is not None and agreement.live:
            payments.instruct_payment(bill=bill, actor=people["trader"], agreement=agreement)
            steps += 1

        bill = self._untouched_bill(RELEASED_AGAINST_GUARANTEE)
        if bill is not None:
            try:
                payments.release_against_guarantee(
                    bill=bill, actor=people["trader"], guarantee=guarantee
                )
                steps += 1
            except TransitionError as refusal:
                # E.g. seed_demo ran long enough ago for the bill to be past its due date.
                self.stdout.write(
                    f"{RELEASED_AGAINST_GUARANTEE} was not released against the guarantee: "
                    f"{refusal}"
                )
        return steps

    @staticmethod
    def _untouched_bill(lrn: str) -> TaxBill | None:
        """The demo declaration's bill if it is still open and no payment was ever instructed."""
        return TaxBill.objects.filter(
            declaration__lrn=lrn, status=TaxBill.Status.OPEN, instructions__isnull=True
        ).first()


def _a_year_from(day: date) -> date:
    """The last day of a year that starts on ``day``."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _witnesses() -> list[str]:
    return list(getattr(settings, "EPORT_WITNESSES", []))
