"""Demo data: two companies, an office, two agencies, six people, risk rules, licences and
declarations in every status, some of them inspected.

Everything is made through the services, so the ledger holds the whole history and
``verify_ledger`` passes. Idempotent: what exists (by username, USCI, agency code, rule name,
licence description or LRN) is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from eport.accounts import services as accounts
from eport.accounts.models import Agency, Company, CustomsOffice, User
from eport.accounts.usci import usci_check_character
from eport.core import actors
from eport.declarations import rules, services
from eport.declarations.models import Declaration, PostClearanceReview, RiskRule
from eport.licensing import services as licensing
from eport.licensing.models import Licence
from eport.payments import services as payments
from eport.payments.models import TaxBill
from eport.reference.models import GoodsControl, HsCode

ACTOR = actors.SEED
PASSWORD = "eport-demo"  # noqa: S105 (documented demo password)
OFFICE = ("2201", "Shanghai Customs District")
COMPANIES = {
    "A": ("91310000MA1FL8XQ3", "Huangpu Precision Trading Co., Ltd.", "88 Zhongshan Rd, Shanghai"),
    "B": ("91110105MA01C7RK6", "Beijing Northstar Imports Ltd.", "6 Jianguo Rd, Beijing"),
}
AGENCIES = {
    "licensing": ("SHCOM", "Shanghai Municipal Commission of Commerce", Agency.Kind.LICENSING),
    "inspector": ("SHCIQ", "Shanghai Inspection and Quarantine", Agency.Kind.INSPECTION),
}
RULES = [
    {
        "name": "Firearms and ammunition",
        "kind": RiskRule.Kind.HS_PREFIX,
        "parameter": "93",
        "lane": "red",
        "officer_note": "Weapons need an import licence and a physical check.",
        "trader_instruction": "Physical inspection of the goods",
    },
    {
        "name": "Sanctioned origin",
        "kind": RiskRule.Kind.ORIGIN_COUNTRY,
        "parameter": "KP,IR,SY",
        "lane": "red",
        "officer_note": "Origin under sanctions: verify end use and licences.",
        "trader_instruction": "Physical inspection of the goods",
    },
    {
        "name": "High value consignment",
        "kind": RiskRule.Kind.VALUE_ABOVE,
        "parameter": "500000",
        "lane": "yellow",
        "officer_note": "Customs value above 500,000 CNY: check the valuation.",
        "trader_instruction": "Documentary check",
    },
    {
        "name": "Random sample",
        "kind": RiskRule.Kind.RANDOM_SAMPLE,
        "parameter": "2",
        "lane": "yellow",
        "officer_note": "Random documentary check (2 %).",
        "trader_instruction": "Documentary check",
    },
]


def _pdf(title: str) -> bytes:
    # A tiny but well-formed PDF, different per document so each has its own digest.
    text = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(text)}>>stream\n".encode()
        + text
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _header(lrn: str, **overrides) -> dict:
    header = {
        "office": OFFICE[0],
        "flow": "import",
        "procedure_code": "4000",
        "lrn": lrn,
        "consignor_name": "Hamburg Elektronik GmbH",
        "consignor_country": "DE",
        "consignee_name": "",
        "consignee_country": "CN",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "transport_mode": "1",
        "transport_document": f"HLCU{int(hashlib.sha256(lrn.encode()).hexdigest()[:8], 16):08d}"[
            :11
        ],
        "transport_means_id": "IMO9321483",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "incoterm": "FOB",
        "incoterm_place": "Hamburg",
        "invoice_currency": "EUR",
        "exchange_rate": "7.800000",
        "freight": "850.00",
        "insurance": "120.00",
    }
    header.update(overrides)
    return header


def _item(hs_code, description, origin, quantity, unit, net, gross, value) -> dict:
    return {
        "hs_code": hs_code,
        "description": description,
        "origin_country": origin,
        "quantity": quantity,
        "unit": unit,
        "net_mass": net,
        "gross_mass": gross,
        "invoice_value": value,
        "valuation_method": 1,
    }


# Goods that route to a known lane under RULES (a 2 % sample may still make green yellow).
GOODS = {
    "laptops": (
        {},
        [
            _item(
                "8471300000", "Laptop computers, 14 inch", "DE", "20", "PCE", "36", "48", "18000.00"
            ),
            _item("8517130000", "Smartphones", "DE", "30", "PCE", "6", "9", "9000.00"),
        ],
    ),
    "wine": (
        {
            "consignor_name": "Domaine Lafleur SARL",
            "consignor_country": "FR",
            "dispatch_country": "FR",
            "port_of_loading": "FRLEH",
            "incoterm": "CIF",
            "incoterm_place": "Shanghai",
            "freight": "0.00",
            "insurance": "0.00",
        },
        [
            _item(
                "2204210000",
                "Red wine, 0.75 l bottles",
                "FR",
                "1200",
                "PCE",
                "900",
                "1450",
                "9600.00",
            )
        ],
    ),
    "coffee": (
        {
            "consignor_name": "Santos Cafe Exportadora Ltda",
            "consignor_country": "BR",
            "dispatch_country": "BR",
            "port_of_loading": "BRSSZ",
            "invoice_currency": "USD",
            "exchange_rate": "7.100000",
            "incoterm_place": "Santos",
        },
        [
            _item(
                "0901210000",
                "Roasted coffee beans",
                "BR",
                "2000",
                "KGM",
                "2000",
                "2100",
                "21000.00",
            )
        ],
    ),
    "phones_by_air": (
        {
            "consignor_name": "Seoul Mobile Co., Ltd.",
            "consignor_country": "KR",
            "dispatch_country": "KR",
            "transport_mode": "4",
            "transport_means_id": "KE0893",
            "port_of_loading": "KRICN",
            "port_of_discharge": "CNPVG",
            "invoice_currency": "USD",
            "exchange_rate": "7.100000",
            "incoterm": "CPT",
            "incoterm_place": "Shanghai Pudong",
            "freight": "0.00",
            "insurance": "0.00",
        },
        [_item("8517130000", "Smartphones, 128 GB", "KR", "100", "PCE", "20", "32", "40000.00")],
    ),
    "electric_cars": (  # above 500,000 CNY: yellow
        {"consignor_name": "Stuttgart Mobility AG", "incoterm_place": "Bremerhaven"},
        [
            _item(
                "8703800000",
                "Electric passenger cars",
                "DE",
                "2",
                "PCE",
                "4200",
                "4400",
                "90000.00",
            )
        ],
    ),
    "shotguns": (  # chapter 93: red
        {
            "consignor_name": "Armeria Bresciana S.p.A.",
            "consignor_country": "IT",
            "dispatch_country": "IT",
            "port_of_loading": "ITGOA",
            "incoterm_place": "Genoa",
        },
        [_item("9303200000", "Sporting shotguns", "IT", "10", "PCE", "32", "45", "15000.00")],
    ),
    # The goods below are on the illustrative goods-controls list: beef needs an import licence
    # and inspection, toys and oranges inspection.
    "beef": (
        {
            "consignor_name": "Riverina Beef Exporters Pty Ltd",
            "consignor_country": "AU",
            "dispatch_country": "AU",
            "port_of_loading": "AUMEL",
            "invoice_currency": "USD",
            "exchange_rate": "7.100000",
            "incoterm": "CFR",
            "incoterm_place": "Shanghai",
            "freight": "0.00",
            "insurance": "0.00",
        },
        [
            _item(
                "0201300000",
                "Boneless beef, chilled, vacuum packed",
                "AU",
                "5000",
                "KGM",
                "5000",
                "5400",
                "60000.00",
            )
        ],
    ),
    "toys": (
        {
            "consignor_name": "Shenzhen Bay Toys (HK) Ltd.",
            "consignor_country": "HK",
            "dispatch_country": "HK",
            "port_of_loading": "HKHKG",
            "invoice_currency": "USD",
            "exchange_rate": "7.100000",
            "incoterm_place": "Hong Kong",
        },
        [
            _item(
                "9503000000",
                "Plastic building blocks",
                "HK",
                "3000",
                "PCE",
                "1500",
                "1800",
                "12000.00",
            )
        ],
    ),
    "oranges": (
        {
            "consignor_name": "Cape Citrus Exporters (Pty) Ltd",
            "consignor_country": "ZA",
            "dispatch_country": "ZA",
            "port_of_loading": "ZACPT",
            "invoice_currency": "USD",
            "exchange_rate": "7.100000",
            "incoterm_place": "Cape Town",
        },
        [
            _item(
                "0805100000",
                "Fresh navel oranges",
                "ZA",
                "18000",
                "KGM",
                "18000",
                "19500",
                "16200.00",
            )
        ],
    ),
}

# (description, company, flow, HS code, quantity, unit, value, currency, counterparty, story):
# applications of the demo companies to SHCOM; the description identifies each.
LICENCES = [
    (
        "Boneless beef, chilled",
        "A",
        "import",
        "0201300000",
        "20000",
        "KGM",
        "240000.00",
        "USD",
        "AU",
        "approved",
    ),
    (
        "Natural graphite flakes",
        "A",
        "export",
        "2504100000",
        "50000",
        "KGM",
        "150000.00",
        "USD",
        "KR",
        "approved",
    ),
    (
        "Soya beans for crushing",
        "A",
        "import",
        "1201900000",
        "500000",
        "KGM",
        "275000.00",
        "USD",
        "BR",
        "applied",
    ),
    (
        "Crude petroleum oil",
        "B",
        "import",
        "2709000000",
        "1000000",
        "KGM",
        "620000.00",
        "USD",
        "SA",
        "queried",
    ),
]
# Which declaration cites which licence (by description).
CITES = {"DEMO-A17": "Boneless beef, chilled"}
# What the inspection agency found, recorded right after submission.
INSPECTIONS = {
    "DEMO-A17": ("pass", "SHCIQ-2026-000417"),
    "DEMO-A19": ("fail", "Live fruit-fly larvae found in 3 of 20 sampled cartons."),
}

# (LRN, company, goods, where the story stops)
SCENARIOS = [
    ("DEMO-A01", "A", "laptops", "draft_incomplete"),
    ("DEMO-A02", "A", "wine", "draft"),
    ("DEMO-A03", "A", "coffee", "assessed"),
    ("DEMO-A04", "A", "laptops", "released"),
    ("DEMO-A05", "A", "wine", "released"),
    ("DEMO-A06", "A", "electric_cars", "submitted"),
    ("DEMO-A07", "A", "shotguns", "submitted"),
    ("DEMO-A08", "A", "electric_cars", "under_review"),
    ("DEMO-A09", "A", "electric_cars", "query"),
    ("DEMO-A10", "A", "shotguns", "inspection"),
    ("DEMO-A11", "A", "electric_cars", "assessed"),
    ("DEMO-A12", "A", "electric_cars", "paid"),
    ("DEMO-A13", "A", "shotguns", "released_after_query"),
    ("DEMO-A14", "A", "shotguns", "rejected"),
    ("DEMO-A15", "A", "coffee", "cancelled_draft"),
    # Its bill is the one seed_banks has the trader pay by e-payment, waiting at ICBC.
    ("DEMO-A16", "A", "laptops", "assessed"),
    # Goods on the inspection list: passed and released (writing off the beef licence), waiting
    # for the inspection agency, failed and rejected.
    ("DEMO-A17", "A", "beef", "released"),
    ("DEMO-A18", "A", "toys", "submitted"),
    ("DEMO-A19", "A", "oranges", "rejected"),
    ("DEMO-B01", "B", "coffee", "released"),
    ("DEMO-B02", "B", "electric_cars", "submitted"),
    ("DEMO-B03", "B", "phones_by_air", "assessed"),
    ("DEMO-B04", "B", "electric_cars", "cancelled"),
    ("DEMO-B05", "B", "wine", "draft"),
]


class Command(BaseCommand):
    help = (
        "Create demo companies, an office, a licensing and an inspection agency, users (trader, "
        f"trader2, officer, auditor, licensing, inspector; password '{PASSWORD}'), risk rules, "
        "licences and about 20 declarations in every status, all through the services and the "
        "ledger. Idempotent."
    )

    def handle(self, *args, **options):
        # Goods controls came with a later version of the reference data: load them too.
        if not HsCode.objects.exists() or not GoodsControl.objects.exists():
            call_command("load_reference", stdout=self.stdout)
        people = self._people()
        self._rules()
        licences = self._licences(people)
        made = 0
        for lrn, company_key, goods, stop in SCENARIOS:
            trader = people["trader"] if company_key == "A" else people["trader2"]
            if Declaration.objects.filter(company_id=trader.company_id, lrn=lrn).exists():
                continue
            with transaction.atomic():
                self._play(lrn, goods, stop, trader=trader, people=people, licences=licences)
            made += 1
        self._pick_for_post_clearance(people["officer"])
        self.stdout.write(
            f"demo data ready: {made} declaration(s) created, "
            f"{Declaration.objects.filter(lrn__startswith='DEMO-').count()} demo declarations, "
            f"{len(licences)} demo licences; sign in as trader, trader2, officer, auditor, "
            f"licensing or inspector with password {PASSWORD!r}"
        )

    # --- organisations and people ---------------------------------------------------------

    @transaction.atomic
    def _people(self) -> dict[str, User]:
        office = CustomsOffice.objects.filter(code=OFFICE[0]).first()
        if office is None:
            office = accounts.create_office(actor=ACTOR, code=OFFICE[0], name=OFFICE[1])
        agencies = {}
        for username, (code, name, kind) in AGENCIES.items():
            agencies[username] = Agency.objects.filter(code=code).first() or (
                accounts.create_agency(actor=ACTOR, code=code, name=name, kind=kind)
            )
        companies = {}
        for key, (first17, name, address) in COMPANIES.items():
            usci = first17 + usci_check_character(first17)
            companies[key] = Company.objects.filter(usci=usci).first() or accounts.create_company(
                actor=ACTOR, usci=usci, name=name, address=address
            )
        wanted = {
            "trader": {"role": User.Role.TRADER, "company": companies["A"]},
            "trader2": {"role": User.Role.TRADER, "company": companies["B"]},
            "officer": {"role": User.Role.OFFICER, "office": office, "is_staff": True},
            "auditor": {"role": User.Role.AUDITOR},
            "licensing": {"role": User.Role.AGENCY, "agency": agencies["licensing"]},
            "inspector": {"role": User.Role.AGENCY, "agency": agencies["inspector"]},
        }
        people = {}
        for username, fields in wanted.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = accounts.create_user(
                    actor=ACTOR, username=username, password=PASSWORD, **fields
                )
            people[username] = user
        editors = accounts.ensure_editor_group()
        officer = people["officer"]
        if not officer.groups.filter(pk=editors.pk).exists():
            accounts.update_user(user=officer, actor=ACTOR, groups=[*officer.groups.all(), editors])
        return people

    @transaction.atomic
    def _rules(self) -> None:
        for fields in RULES:
            if RiskRule.objects.filter(name=fields["name"]).exists():
                continue
            rules.create_risk_rule(actor=ACTOR, **fields)

    # --- licences --------------------------------------------------------------------------

    def _licences(self, people: dict[str, User]) -> dict[str, Licence]:
        """The demo licences by description, each applied for (and decided) once."""
        licences = {}
        for description, company_key, *terms, story in LICENCES:
            trader = people["trader"] if company_key == "A" else people["trader2"]
            licence = Licence.objects.filter(
                company_id=trader.company_id, description=description
            ).first()
            if licence is None:
                with transaction.atomic():
                    licence = self._apply(description, terms, story, trader, people["licensing"])
            licences[description] = licence
        return licences

    @staticmethod
    def _apply(description, terms, story, trader: User, officer: User) -> Licence:
        flow, hs_code, quantity, unit, value, currency, country = terms
        today = timezone.localdate()
        licence = licensing.apply_for_licence(
            actor=trader,
            flow=flow,
            hs_code=hs_code,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            value=Decimal(value),
            currency=currency,
            counterparty_country=country,
            valid_from=today,
            valid_until=today + datetime.timedelta(days=180),
            agency=officer.agency,
        )
        if story == "approved":
            licence = licensing.approve_licence(
                licence=licence,
                actor=officer,
                version=licence.version,
                note="Quantity within this year's quota for the applicant.",
            )
        elif story == "queried":
            licence = licensing.raise_licence_query(
                licence=licence,
                actor=officer,
                version=licence.version,
                question="Please attach the supply contract and the refinery's import permit.",
            )
        return licence

    # --- one declaration's story ---------------------------------------------------------

    def _play(
        self,
        lrn: str,
        goods: str,
        stop: str,
        *,
        trader: User,
        people: dict[str, User],
        licences: dict[str, Licence],
    ) -> None:
        officer = people["officer"]
        overrides, items = GOODS[goods]
        if lrn in CITES:
            number = licences[CITES[lrn]].number
            items = [dict(item, licence_number=number) for item in items]
        total = sum((Decimal(item["invoice_value"]) for item in items), Decimal("0.00"))
        header = _header(lrn, **overrides)
        header["consignee_name"] = trader.company.name
        header["consignee_id"] = trader.company.usci
        header["invoice_total"] = f"{total:.2f}"
        declaration = services.create_draft(actor=trader, header=header, items=items)
        self._attach(declaration, trader, "380", f"INV-{lrn}", f"Commercial invoice {lrn}")
        if stop == "draft_incomplete":
            return
        code = "740" if header["transport_mode"] == "4" else "705"
        self._attach(declaration, trader, code, header["transport_document"], f"Transport {lrn}")
        if stop == "draft":
            return
        if stop == "cancelled_draft":
            services.cancel_declaration(
                declaration=declaration,
                actor=trader,
                version=self._version(declaration),
                reason="Filed twice by mistake",
            )
            return
        declaration = services.submit_declaration(
            declaration=declaration, actor=trader, version=self._version(declaration)
        )
        if lrn in INSPECTIONS:
            declaration = self._inspect(declaration, people["inspector"], *INSPECTIONS[lrn])
        if stop == "submitted":
            return
        if stop == "cancelled":
            services.cancel_declaration(
                declaration=declaration,
                actor=trader,
                version=declaration.version,
                reason="Shipment postponed by the seller",
            )
            return
        if declaration.status == Declaration.Status.SUBMITTED:
            declaration = services.take_declaration(
                declaration=declaration, actor=officer, version=declaration.version
            )
        if stop == "under_review":
            services.add_note(
                declaration=declaration,
                actor=officer,
                text="Same charger model as last month's filing; compare the declared values.",
            )
            return
        if stop == "query":
            services.raise_query(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                question="Please attach the sales contract that supports the declared price.",
            )
            return
        if stop == "rejected":
            reason = "No import licence for firearms was presented."
            if declaration.inspection_status == Declaration.Inspection.FAILED:
                reason = "The goods failed inspection and quarantine; they cannot be released."
            services.reject_declaration(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                reason=reason,
            )
            return
        if stop in ("inspection", "released_after_query"):
            declaration = services.order_inspection(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                instructions="Open the container and count the pieces.",
            )
            if stop == "inspection":
                return
            declaration = services.record_inspection_findings(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                findings="12 shotguns found, 10 declared.",
            )
            declaration = services.raise_query(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                question="Inspection found 12 pieces: correct the quantity and value.",
            )
            self._attach(declaration, trader, "911", f"LIC-{lrn}", f"Import licence {lrn}")
            amended = [dict(items[0], quantity="12", invoice_value="18000.00")]
            header["invoice_total"] = "18000.00"
            declaration = services.amend_declaration(
                declaration=declaration,
                actor=trader,
                header=header,
                items=amended,
                answer="Two pieces were shipped by mistake; quantity and value corrected.",
                version=self._version(declaration),
            )
        if declaration.status == Declaration.Status.UNDER_REVIEW:
            corrections = None
            if goods == "electric_cars":
                corrections = [
                    {
                        "line": 1,
                        "invoice_value": "92500.00",
                        "reason": "Value of the fitted charger added (valuation method 1).",
                    }
                ]
            declaration = services.assess_declaration(
                declaration=declaration,
                actor=officer,
                version=declaration.version,
                corrections=corrections,
            )
        if stop == "assessed":
            return
        bill = TaxBill.objects.get(declaration=declaration)
        payments.record_counter_payment(
            bill=bill, actor=officer, receipt_number=f"CR-{declaration.number}"
        )
        declaration.refresh_from_db()
        if stop == "paid" or declaration.status == Declaration.Status.RELEASED:
            return
        services.release_declaration(
            declaration=declaration,
            actor=officer,
            version=declaration.version,
            note="Goods released.",
        )

    @staticmethod
    def _inspect(declaration: Declaration, inspector: User, result: str, text: str):
        if result == "pass":
            return services.pass_inspection(
                declaration=declaration,
                actor=inspector,
                version=declaration.version,
                certificate=text,
            )
        return services.fail_inspection(
            declaration=declaration, actor=inspector, version=declaration.version, reason=text
        )

    @staticmethod
    def _pick_for_post_clearance(officer: User) -> None:
        """The first demo declaration released in the green lane, picked for a post-clearance
        review. Which ones are green is not fixed: the random-sample rule may send any filing to
        the yellow lane."""
        if PostClearanceReview.objects.filter(declaration__lrn__startswith="DEMO-").exists():
            return
        released = Declaration.objects.filter(
            lrn__startswith="DEMO-",
            office=officer.office,
            status=Declaration.Status.RELEASED,
            lane=Declaration.Lane.GREEN,
        )
        declaration = released.order_by("pk").first()
        if declaration is not None:
            services.pick_for_post_clearance(
                declaration=declaration,
                actor=officer,
                reason="Goods at this unit value: check the valuation after release.",
            )

    @staticmethod
    def _version(declaration: Declaration) -> int:
        return Declaration.objects.values_list("version", flat=True).get(pk=declaration.pk)

    @staticmethod
    def _attach(declaration, trader, type_code, reference, title):
        services.add_document(
            declaration=declaration,
            actor=trader,
            type=type_code,
            reference=reference,
            issued_on=None,
            upload=SimpleUploadedFile(f"{reference}.pdf", _pdf(title)),
        )
