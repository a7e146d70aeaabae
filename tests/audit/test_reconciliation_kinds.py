"""Reconciliation of every kind the ledger records with a state, and of document files.

The seeded demo (seed_demo and seed_banks, everything through the services) is the world: each
kind changed through its own service still reconciles, the same kind changed by SQL behind the
application's back is found, and a document file truncated, replaced or removed is found.
"""

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from eport.accounts import services as accounts
from eport.accounts.models import Agency, Bank, Company, CustomsOffice, User
from eport.api import tokens
from eport.api.models import ApiToken
from eport.audit import reconcile
from eport.audit.models import Mismatch, VerificationRun
from eport.audit.reconcile import ALL_SUBJECTS, reconcile_declarations
from eport.audit.services import execute_run
from eport.banks import services as banks
from eport.banks.models import Financing, Presentation
from eport.core import actors
from eport.declarations import rules
from eport.declarations.models import (
    Declaration,
    DeclarationNote,
    Document,
    PostClearanceReview,
    RiskRule,
)
from eport.licensing import services as licensing
from eport.licensing.models import Licence
from eport.payments import selectors as payment_selectors
from eport.payments import services as payments
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from eport.reference import services as reference
from eport.reference.models import GoodsControl, TariffLine
from ledger.models import Entry
from tests.declarations import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db
ADMIN = actors.SEED


def findings(*, unledgered_rows=True):
    found = []
    report = reconcile_declarations(on_finding=found.append, unledgered_rows=unledgered_rows)
    return report, found


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def update(row, column, value):
    """Change one column of ``row`` with SQL, behind the application's back."""
    sql(f"UPDATE {row._meta.db_table} SET {column} = %s WHERE id = %s", value, row.pk)


def assert_clean(what):
    report, found = findings()
    assert found == [] and report.ok, f"{what}: {found}"
    return report


@pytest.fixture
def demo(postgresql):
    """The seeded demo, plus an API token (the demo makes none), all through the services."""
    call_command("seed_banks", stdout=io.StringIO())
    tokens.create_token(actor=User.objects.get(username="trader"), name="ERP export")
    return {user.username: user for user in User.objects.all()}


def test_the_seeded_demo_reconciles_clean_and_every_ledgered_kind_is_reconciled(demo):
    report = assert_clean("seeded demo")

    # Every kind holds rows, and each was compared with its ledger subjects.
    for subjects in ALL_SUBJECTS:
        assert report.kinds[subjects.prefix].checked > 0, subjects.prefix
    assert report.documents_checked == Document.objects.count() > 0
    assert report.settlements_checked > 0
    # Every type of subject in the ledger is reconciled, but the ledger's own genesis; and every
    # entry carries a state, but that genesis.
    reconciled = {subjects.prefix for subjects in ALL_SUBJECTS}
    stateless = set()
    for subject, action, raw in Entry.objects.values_list("subject", "action", "canonical"):
        data = json.loads(bytes(raw))["data"]
        if subject.split(":")[0] != "ledger":
            assert subject.split(":")[0] + ":" in reconciled, subject
        if not isinstance(data.get("state"), str):
            stateless.add(action)
    assert stateless == {"ledger.genesis"}
    assert "0 API tokens" not in report.summary() and "1 API token" in report.summary()


def test_a_change_through_each_kind_s_service_is_never_a_finding(demo):
    trader, trader2, bank_user = demo["trader"], demo["trader2"], demo["bank"]

    draft = f.draft(trader, lrn="LRN-RECONCILE")
    f.attach(draft, trader, content=f.PDF + b"reconciled invoice")
    assert_clean("declaration drafted with a document")

    agreement = PaymentAgreement.objects.filter(status="active", bank=bank_user.bank).first()
    bill = next(
        bill
        for bill in TaxBill.objects.filter(status="open", declaration__company=trader.company)
        if payment_selectors.live_instruction(bill) is None
    )
    instruction = payments.instruct_payment(bill=bill, actor=trader, agreement=agreement)
    assert_clean("payment instructed")
    pf.confirm(instruction, bank_user, reference="RECONCILE-1")
    assert_clean("payment confirmed: bill paid, declaration released")
    payments.request_agreement(actor=trader2, bank=bank_user.bank, account_number="6222000099")
    assert_clean("agreement requested")
    pf.guarantee(bank_user, trader2.company, reference="G-RECONCILE")
    assert_clean("guarantee issued")

    financing = Financing.objects.filter(status="registered").first()
    staff = User.objects.filter(bank=financing.bank).first()
    banks.disburse_financing(financing=financing, actor=staff, version=financing.version)
    assert_clean("financing disbursed")
    presented = Presentation.objects.filter(bank=demo["bank2"].bank).values("declaration")
    released = (
        Declaration.objects.filter(status="released", company=trader.company)
        .exclude(pk__in=presented)
        .first()
    )
    presentation = banks.present_declaration(
        declaration=released, actor=trader, bank=demo["bank2"].bank
    )
    banks.withdraw_presentation(presentation=presentation, actor=trader)
    assert_clean("presentation made and withdrawn")

    accounts.update_company(company=trader.company, actor=ADMIN, address="1 New Road")
    accounts.update_office(
        office=CustomsOffice.objects.exclude(code="2201").first(), actor=ADMIN, name="Elsewhere"
    )
    accounts.update_bank(bank=bank_user.bank, actor=ADMIN, witness_key="bank.witness")
    trader2 = accounts.update_user(
        user=trader2, actor=ADMIN, is_staff=True, personal={"first_name": "Renamed"}
    )
    accounts.change_password(user=trader2, actor=trader2, new_password="a-new-long-passphrase")
    assert_clean("company, office, bank and user changed")

    line, other = TariffLine.objects.all()[:2]
    reference.update_tariff_line(line=line, actor=ADMIN, duty_rate=Decimal("7.5"))
    reference.delete_tariff_line(line=other, actor=ADMIN, reason="Merged")
    rule, spare = RiskRule.objects.all()[:2]
    rules.update_risk_rule(rule=rule, actor=ADMIN, active=False)
    rules.delete_risk_rule(rule=spare, actor=ADMIN)
    assert_clean("tariff lines and risk rules changed and deleted")

    accounts.update_agency(agency=Agency.objects.first(), actor=ADMIN, name="Renamed agency")
    control, lifted = GoodsControl.objects.all()[:2]
    reference.update_goods_control(control=control, actor=ADMIN, illustrative=False)
    reference.delete_goods_control(control=lifted, actor=ADMIN, reason="Lifted")
    application = Licence.objects.get(status="submitted")
    licensing.approve_licence(
        licence=application, actor=demo["licensing"], version=application.version
    )
    assert_clean("agency, goods controls and a licence changed")

    token = ApiToken.objects.get()
    tokens.revoke_token(token=token, actor=trader)
    # Using a token stamps last_used_at, which the ledger does not record: no finding either.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    assert_clean("API token revoked")


def _one_of_each():
    """One row of every reconciled kind, with a column its snapshot holds and a new value."""
    now = timezone.now()
    return [
        (Declaration.objects.exclude(number="").first(), "consignee_name", "Someone Else Ltd."),
        (TaxBill.objects.first(), "duty", Decimal("1.00")),
        (PaymentAgreement.objects.first(), "account_number", "999999999"),
        (PaymentInstruction.objects.first(), "amount", Decimal("1.00")),
        (Guarantee.objects.first(), "amount", Decimal("1.00")),
        (DeclarationNote.objects.first(), "text", "Rewritten behind the application."),
        (PostClearanceReview.objects.first(), "reason", "Rewritten behind the application."),
        (Presentation.objects.filter(withdrawn_at=None).first(), "withdrawn_at", now),
        (Financing.objects.first(), "amount", Decimal("1.00")),
        (Company.objects.first(), "name", "Shell Company Ltd."),
        (CustomsOffice.objects.first(), "active", False),
        (Bank.objects.first(), "cnaps", "999999999999"),
        (Agency.objects.first(), "name", "Shadow Agency"),
        (GoodsControl.objects.first(), "description", "Rewritten behind the application."),
        (Licence.objects.filter(status="approved").first(), "remaining_value", Decimal("9.99")),
        (User.objects.get(username="trader2"), "is_superuser", True),
        (TariffLine.objects.first(), "duty_rate", Decimal("0.00")),
        (RiskRule.objects.first(), "active", False),
        (ApiToken.objects.first(), "expires_at", now + timedelta(days=3650)),
    ]


def test_each_kind_changed_by_sql_behind_the_application_is_found(demo):
    changes = _one_of_each()
    assert sorted({row.ledger_subject.split(":")[0] + ":" for row, *_ in changes}) == sorted(
        subjects.prefix for subjects in ALL_SUBJECTS
    )
    for row, column, value in changes:
        with transaction.atomic():
            update(row, column, value)

            report, found = findings()

            states = {item.subject for item in found if item.kind == "state"}
            assert states == {row.ledger_subject}, (row.ledger_subject, found)
            finding = next(item for item in found if item.kind == "state")
            latest = Entry.objects.filter(subject=row.ledger_subject).order_by("-seq").first()
            assert finding.entry_seq == latest.seq
            assert finding.ledger_state == latest.data["state"] != finding.live_state
            prefix = row.ledger_subject.split(":")[0] + ":"
            assert report.kinds[prefix].findings >= 1
            transaction.set_rollback(True)
    assert_clean("every change rolled back")


def test_what_the_ledger_does_not_record_may_change_without_a_finding(demo):
    # Personal details and usage stamps are not in the snapshots (the ledger holds no personal
    # data): a change to them is no finding, by design.
    trader = demo["trader"]
    update(trader, "first_name", "Someone")
    update(trader, "last_login", timezone.now())
    update(ApiToken.objects.get(), "last_used_at", timezone.now())
    financing = Financing.objects.first()
    update(financing, "version", financing.version + 7)

    assert_clean("personal details and stamps")


def test_a_row_deleted_or_inserted_behind_the_application_is_found(demo):
    line = TariffLine.objects.first()
    rule = RiskRule.objects.first()
    sql("DELETE FROM reference_tariffline WHERE id = %s", line.pk)
    # A rule deleted through its service is meant to be gone.
    rules.delete_risk_rule(rule=rule, actor=ADMIN)
    inserted = TariffLine.objects.create(hs_prefix="9999", duty_rate=1, vat_rate=9)
    token = ApiToken.objects.create(
        user=demo["trader"],
        name="Back door",
        prefix="backdoor0001",
        secret_sha256="0" * 64,
        expires_at=timezone.now() + timedelta(days=30),
    )

    report, found = findings()

    assert sorted((item.kind, item.subject) for item in found) == sorted(
        [
            ("missing", line.ledger_subject),
            ("no_entry", inserted.ledger_subject),
            ("no_entry", token.ledger_subject),
        ]
    )
    assert report.kinds["tariff:"].findings == 2 and report.kinds["api-token:"].findings == 1
    assert "found in 2 tariff lines, 1 API token" in report.summary()
    # A database whose records predate their ledgering may leave unledgered rows unreported.
    _, found = findings(unledgered_rows=False)
    assert [(item.kind, item.subject) for item in found] == [("missing", line.ledger_subject)]


def test_the_setting_decides_whether_rows_without_entries_are_reported(world, settings):
    # The world's companies, offices and users are made by the factories, without the ledger.
    settings.EPORT_RECONCILE_UNLEDGERED_ROWS = True
    report = reconcile_declarations()
    assert report.kinds["user:"].findings == User.objects.count() > 0
    assert report.kinds["company:"].findings == Company.objects.count() > 0

    settings.EPORT_RECONCILE_UNLEDGERED_ROWS = False
    assert reconcile_declarations().ok


@pytest.fixture
def documents(world):
    draft = f.draft(world.trader, lrn="LRN-DOCS")
    first = f.attach(draft, world.trader, "380", content=f.PDF + b"first invoice")
    second = f.attach(draft, world.trader, "740", content=f.PDF + b"airway bill")
    return first, second


def stored(document) -> Path:
    return Path(default_storage.path(document.file.name))


def test_intact_document_files_reconcile(documents):
    report, found = findings(unledgered_rows=False)

    assert found == [] and report.documents_checked == 2


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("truncate", "is 5 bytes, not the"),
        ("replace", "does not hold the content recorded (its SHA-256 differs)"),
        ("remove", "is missing"),
    ],
)
def test_a_document_file_truncated_replaced_or_removed_is_found(documents, damage, words):
    broken, intact = documents
    path = stored(broken)
    content = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(content[:5])
    elif damage == "replace":
        path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))  # same size, other bytes
    else:
        path.unlink()

    report, found = findings(unledgered_rows=False)

    assert [(item.kind, item.subject) for item in found] == [
        ("state", broken.declaration.ledger_subject)
    ]
    finding = found[0]
    assert finding.ledger_state == broken.sha256
    assert finding.detail.startswith(f"Document {broken}: its stored file {broken.file.name} ")
    assert words in finding.detail
    if damage == "remove":
        assert finding.live_state == ""
    else:
        assert finding.live_state not in ("", broken.sha256)
    assert report.kinds[reconcile.DOCUMENT_FILES].findings == 1
    assert "found in 1 document file" in report.summary()
    assert stored(intact).exists()


def test_the_run_page_shows_each_finding_with_its_kind(world, client, settings):
    settings.EPORT_RECONCILE_UNLEDGERED_ROWS = False
    rule = rules.create_risk_rule(
        actor=ADMIN, name="Firearms", kind="hs_prefix", parameter="93", lane="red"
    )
    update(rule, "lane", "yellow")
    run = execute_run(
        run_id=VerificationRun.objects.create(kind="reconcile", requested_by=world.auditor).pk
    )
    assert run.status == "failed" and run.mismatch_count == 1
    assert "found in 1 risk rule" in run.summary
    assert Mismatch.objects.get(run=run).subject == rule.ledger_subject

    client.force_login(world.auditor)
    page = client.get(reverse("audit:run", args=[run.pk])).content.decode()

    assert "found in 1 risk rule" in page
    assert "<td>Risk rule</td>" in page and "Firearms" in page


def test_a_goods_control_deleted_behind_the_application_is_found_by_measure_and_prefix(demo):
    # Soya beans are under an import licence and inspection: the remaining line does not hide the
    # one deleted.
    soya = GoodsControl.objects.get(measure="import_licence", hs_prefix="1201")
    sql("DELETE FROM reference_goodscontrol WHERE id = %s", soya.pk)

    report, found = findings()

    assert [(item.kind, item.subject) for item in found] == [
        ("missing", "control:import_licence:1201")
    ]
    assert report.kinds["control:"].findings == 1
