"""Small builders for declaration tests: reference rows, people, drafts and documents."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from eport.accounts.models import Company, CustomsOffice, User
from eport.accounts.usci import usci_check_character
from eport.declarations import services
from eport.declarations.models import Declaration, RiskRule
from eport.reference import codes
from eport.reference.models import HsCode, TariffLine

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"

SUBHEADINGS = {
    "847130": "Portable automatic data-processing machines",
    "851712": "Telephones for cellular networks",
    "610910": "T-shirts of cotton, knitted",
    "220421": "Wine in containers of 2 l or less",
    "930100": "Military weapons",
    "050100": "Human hair, unworked",  # chapter 05 has no tariff line below
}
TARIFF = {
    # prefix: (duty %, VAT %)
    "84": ("5.00", "13.00"),
    "8471": ("0.00", "13.00"),
    "85": ("8.00", "13.00"),
    "61": ("12.00", "13.00"),
    "22": ("13.00", "13.00"),
    "2204": ("14.00", "13.00"),
    "93": ("15.00", "13.00"),
}


def usci(first17: str) -> str:
    return first17 + usci_check_character(first17)


def load_reference_rows() -> None:
    for code, description in SUBHEADINGS.items():
        HsCode.objects.get_or_create(
            code=code,
            defaults={"level": 6, "section": "XVI", "parent": code[:4], "description": description},
        )
    for prefix, (duty, vat) in TARIFF.items():
        TariffLine.objects.get_or_create(
            hs_prefix=prefix, defaults={"duty_rate": Decimal(duty), "vat_rate": Decimal(vat)}
        )
    codes.clear_caches()


def office(code="2201", name="Shanghai Customs District") -> CustomsOffice:
    return CustomsOffice.objects.get_or_create(code=code, defaults={"name": name})[0]


def company(first17="91310000MA1FL0000", name="Alpha Trading Co., Ltd.") -> Company:
    return Company.objects.get_or_create(usci=usci(first17), defaults={"name": name})[0]


def user(username: str, role: str, **organisation) -> User:
    return User.objects.create_user(username=username, password="x", role=role, **organisation)


def header(office_code="2201", **overrides) -> dict:
    data = {
        "office": office_code,
        "flow": "import",
        "procedure_code": "4000",
        "lrn": "LRN-1",
        "consignor_name": "Hamburg Exports GmbH",
        "consignor_country": "DE",
        "consignor_id": "",
        "consignee_name": "Alpha Trading Co., Ltd.",
        "consignee_country": "CN",
        "consignee_id": "",
        "dispatch_country": "DE",
        "destination_country": "CN",
        "transport_mode": "1",
        "transport_document": "HLCU1234567",
        "transport_means_id": "IMO9321483",
        "port_of_loading": "DEHAM",
        "port_of_discharge": "CNSHA",
        "incoterm": "FOB",
        "incoterm_place": "Hamburg",
        "invoice_currency": "EUR",
        "invoice_total": "1000.00",
        "exchange_rate": "7.800000",
        "freight": "50.00",
        "insurance": "10.00",
    }
    data.update(overrides)
    return data


def item(**overrides) -> dict:
    data = {
        "hs_code": "8471300000",
        "description": "Laptop computers",
        "origin_country": "DE",
        "quantity": "10",
        "unit": "PCE",
        "net_mass": "20.000",
        "gross_mass": "25.000",
        "invoice_value": "1000.00",
        "valuation_method": 1,
    }
    data.update(overrides)
    return data


def upload(content: bytes = PDF, name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft(trader: User, *, lrn="LRN-1", items=None, **header_overrides) -> Declaration:
    return services.create_draft(
        actor=trader,
        header=header(lrn=lrn, **header_overrides),
        items=items if items is not None else [item()],
    )


def attach(declaration: Declaration, trader: User, type="380", content=PDF, name="doc.pdf"):
    return services.add_document(
        declaration=declaration,
        actor=trader,
        type=type,
        reference=f"REF-{type}",
        issued_on=None,
        upload=SimpleUploadedFile(name, content),
    )


def ready(trader: User, **kwargs) -> Declaration:
    """A draft with its invoice and bill of lading: ready to submit."""
    declaration = draft(trader, **kwargs)
    attach(declaration, trader, "380")
    if declaration.transport_mode == "1":
        attach(declaration, trader, "705", content=PDF + b"bl")
    elif declaration.transport_mode == "4":
        attach(declaration, trader, "740", content=PDF + b"awb")
    declaration.refresh_from_db()
    return declaration


def submit(declaration: Declaration, trader: User) -> Declaration:
    declaration.refresh_from_db()
    return services.submit_declaration(
        declaration=declaration, actor=trader, version=declaration.version
    )


def lane_rules() -> None:
    """Origin KP goes red, origin VN yellow; everything else green."""
    RiskRule.objects.get_or_create(
        name="Sanctioned origin",
        defaults={
            "kind": "origin_country",
            "parameter": "KP",
            "lane": "red",
            "officer_note": "Check for sanctions evasion",
            "trader_instruction": "Physical inspection",
        },
    )
    RiskRule.objects.get_or_create(
        name="Watched origin",
        defaults={"kind": "origin_country", "parameter": "VN", "lane": "yellow"},
    )


ORIGIN_FOR_LANE = {"green": "DE", "yellow": "VN", "red": "KP"}


def submitted(trader: User, lane: str = "green", **kwargs) -> Declaration:
    lane_rules()
    kwargs.setdefault("items", [item(origin_country=ORIGIN_FOR_LANE[lane])])
    declaration = ready(trader, **kwargs)
    return submit(declaration, trader)


def fresh(declaration: Declaration) -> Declaration:
    declaration.refresh_from_db()
    return declaration
