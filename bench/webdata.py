"""A customs office's year of declarations, built in seconds instead of hours.

``build_declarations(n)`` makes 20 companies (a few large filers, many small ones), two offices
and their people through the account services, then bulk-loads ``n`` declarations with their
goods items, documents, queries and inspections by COPY, and appends each declaration's history
to the ledger as a valid chain (``bench.ledgerdata.build_ledger``), so every declaration page has
a real timeline. The mix is a working office's: most declarations released over the past year,
a few thousand open in the queue, green lane for most, red for a few, 1 to 5 goods items each.

Ledger entries carry synthetic ``state`` digests and times from the build (the chain is valid,
but an auditor's reconciliation would rightly find that the digests are not the rows' snapshots).
"""

from __future__ import annotations

import hashlib
import io
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

ACTOR = "system:bench"
SEED = 20_240_601
OFFICES = (("2201", "Shanghai Customs District"), ("2248", "Pudong Airport Customs"))
OFFICERS_PER_OFFICE = {"2201": 10, "2248": 4}
TRADERS_PER_COMPANY = 2
COMPANY_NAMES = (
    "Huangpu Precision Trading",
    "Yangtze Freight Forwarding",
    "Pearl River Electronics Import",
    "Jinqiao Auto Parts",
    "Lujiazui Wine and Spirits",
    "Minhang Medical Devices",
    "Songjiang Textiles Export",
    "Baoshan Steel Components",
    "Qingpu Furniture Works",
    "Jiading Battery Systems",
    "Fengxian Cosmetics",
    "Chongming Agricultural Produce",
    "Hongqiao Coffee Roasters",
    "Zhabei Optical Instruments",
    "Xuhui Toys and Games",
    "Putuo Industrial Chemicals",
    "Yangpu Robotics",
    "Changning Apparel",
    "Jing'an Luxury Goods",
    "Nanhui Seafood Traders",
)
# Share of declarations per status, per mille: a year of released filings and an open queue of
# a few percent (4.5 %: 4,500 of 100,000).
STATUS_MIX = {
    "released": 925,
    "draft": 15,
    "cancelled": 10,
    "rejected": 5,
    "submitted": 14,
    "under_review": 9,
    "query": 3,
    "inspection": 2,
    "assessed": 10,
    "paid": 7,
}
# How long ago open declarations were submitted, in days (most of the queue is recent).
OPEN_AGE_DAYS = {
    "submitted": 4,
    "under_review": 8,
    "query": 20,
    "inspection": 10,
    "assessed": 5,
    "paid": 2,
}
GOODS = (
    ("8471300000", "Laptop computers", "PCE", 1.8, 900),
    ("8517130000", "Smartphones", "PCE", 0.25, 420),
    ("8542310000", "Processors and controllers", "PCE", 0.01, 85),
    ("6109100000", "Cotton T-shirts, knitted", "PCE", 0.2, 6),
    ("9403600000", "Wooden furniture", "PCE", 28.0, 310),
    ("8708990000", "Motor vehicle parts", "KGM", 1.0, 14),
    ("3004900000", "Medicaments in measured doses", "KGM", 1.0, 160),
    ("0901210000", "Roasted coffee, not decaffeinated", "KGM", 1.0, 11),
    ("2204210000", "Wine of fresh grapes, in bottles", "LTR", 1.3, 9),
    ("9018909000", "Medical instruments", "PCE", 2.5, 1200),
    ("6403990000", "Leather footwear", "PAR", 1.1, 45),
    ("8528720000", "Television receivers", "PCE", 14.0, 380),
    ("8507600000", "Lithium-ion accumulators", "KGM", 1.0, 35),
    ("3304990000", "Beauty and skin-care preparations", "KGM", 1.0, 70),
)
PARTNERS = (
    ("Hamburg Elektronik GmbH", "DE", "DEHAM", "EUR", "7.820000"),
    ("Rotterdam Trade B.V.", "NL", "NLRTM", "EUR", "7.820000"),
    ("Pacific Components Inc.", "US", "USLAX", "USD", "7.180000"),
    ("Osaka Seimitsu K.K.", "JP", "JPOSA", "JPY", "0.048500"),
    ("Busan Logistics Co.", "KR", "KRPUS", "KRW", "0.005300"),
    ("Bordeaux Vins SARL", "FR", "FRBOD", "EUR", "7.820000"),
    ("Melbourne Produce Pty", "AU", "AUMEL", "AUD", "4.720000"),
    ("Santos Cafe Ltda", "BR", "BRSSZ", "USD", "7.180000"),
)
# UN/ECE Recommendation 19 code, share per mille, and the office it is lodged at.
TRANSPORT = (("1", 600, "2201"), ("4", 250, "2248"), ("3", 100, "2201"), ("2", 50, "2201"))
INCOTERMS = ("FOB", "FOB", "CIF", "CIF", "EXW", "DAP", "FCA", "CFR")
RED_RULES = ("Sanctioned origin", "Firearms and ammunition", "Dual-use electronics")
YELLOW_RULES = ("High value consignment", "Random sample", "Trader's first declarations")


@dataclass
class People:
    offices: dict  # code -> CustomsOffice
    companies: list  # largest filer first
    traders: dict  # company pk -> [User]
    officers: dict  # office code -> [User]
    auditor: object


@dataclass
class Built:
    declarations: int
    items: int
    documents: int
    ledger_entries: int
    statuses: Counter = field(default_factory=Counter)
    open_by_office: Counter = field(default_factory=Counter)
    per_company: Counter = field(default_factory=Counter)
    seconds: dict = field(default_factory=dict)  # build phase -> seconds


def _usci(rng: random.Random, region: str) -> str:
    from eport.accounts.usci import ALPHABET, usci_check_character

    first17 = "91" + region + "".join(rng.choice(ALPHABET) for _ in range(9))
    return first17 + usci_check_character(first17)


def make_people(rng: random.Random) -> People:
    """Offices, companies and users through the account services (each with its ledger entry)."""
    from eport.accounts import services as accounts
    from eport.accounts.models import User

    offices = {
        code: accounts.create_office(actor=ACTOR, code=code, name=name) for code, name in OFFICES
    }
    companies, traders = [], {}
    for number, name in enumerate(COMPANY_NAMES):
        company = accounts.create_company(
            actor=ACTOR,
            usci=_usci(rng, "310000"),
            name=f"{name} Co., Ltd.",
            address=f"{number + 1} Bench Road, Shanghai",
        )
        companies.append(company)
        traders[company.pk] = [
            accounts.create_user(
                actor=ACTOR,
                username=f"bench-trader-{number + 1:02d}{letter}",
                role=User.Role.TRADER,
                company=company,
                first_name=f"Trader {letter.upper()}",
                last_name=name.split()[0],
            )
            for letter in "ab"[:TRADERS_PER_COMPANY]
        ]
    officers = {
        code: [
            accounts.create_user(
                actor=ACTOR,
                username=f"bench-officer-{code}-{number + 1:02d}",
                role=User.Role.OFFICER,
                office=offices[code],
                first_name="Officer",
                last_name=f"{code}-{number + 1:02d}",
            )
            for number in range(count)
        ]
        for code, count in OFFICERS_PER_OFFICE.items()
    }
    auditor = accounts.create_user(actor=ACTOR, username="bench-auditor", role=User.Role.AUDITOR)
    return People(offices, companies, traders, officers, auditor)


def load_people() -> People:
    """The people of an already built database."""
    from eport.accounts.models import Company, CustomsOffice, User

    offices = {office.code: office for office in CustomsOffice.objects.all()}
    names = [f"{name} Co., Ltd." for name in COMPANY_NAMES]
    by_name = {company.name: company for company in Company.objects.filter(name__in=names)}
    companies = [by_name[name] for name in names]
    traders, officers = {}, {}
    for user in User.objects.filter(username__startswith="bench-").order_by("username"):
        if user.is_trader:
            traders.setdefault(user.company_id, []).append(user)
        elif user.is_officer:
            officers.setdefault(offices_code(offices, user.office_id), []).append(user)
    auditor = User.objects.get(username="bench-auditor")
    return People(offices, companies, traders, officers, auditor)


def offices_code(offices: dict, office_id: int) -> str:
    return next(code for code, office in offices.items() if office.pk == office_id)


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _lane(rng: random.Random, status: str) -> str:
    if status == "draft":
        return ""
    if status == "cancelled":
        return "" if rng.random() < 0.7 else rng.choice(("yellow", "yellow", "red"))
    if status == "inspection":
        return "red"
    if status in ("submitted", "under_review", "query"):
        return "red" if rng.random() < 0.25 else "yellow"
    if status == "rejected":
        return "red" if rng.random() < 0.4 else "yellow"
    draw = rng.random()
    return "green" if draw < 0.80 else "yellow" if draw < 0.95 else "red"


def _risk_reasons(rng: random.Random, lane: str) -> list[dict]:
    if lane == "red":
        name = rng.choice(RED_RULES)
        return [
            {
                "name": name,
                "lane": "red",
                "reason": f"{name} rule matched",
                "officer_note": "Physical check and licences required.",
                "trader_instruction": "Physical inspection of the goods",
            }
        ]
    if lane == "yellow":
        name = rng.choice(YELLOW_RULES)
        return [
            {
                "name": name,
                "lane": "yellow",
                "reason": f"{name} rule matched",
                "officer_note": "Check the valuation and documents.",
                "trader_instruction": "Documentary check",
            }
        ]
    return []


class _Row(dict):
    """A declaration's column values, plus what its related rows and history need."""


def _declaration(rng: random.Random, now: datetime, people: People, company) -> _Row:
    status = _pick(rng, STATUS_MIX)
    lane = _lane(rng, status)
    mode, office_code = rng.choices(
        [(code, office) for code, _, office in TRANSPORT], weights=[w for _, w, _ in TRANSPORT]
    )[0]
    flow = "import" if rng.random() < 0.7 else "export"
    partner, country, port, currency, rate = rng.choice(PARTNERS)
    incoterm = rng.choice(INCOTERMS)
    submitted = status not in ("draft",) and not (status == "cancelled" and not lane)
    if status == "draft" or (status == "cancelled" and not lane):
        created_at = now - timedelta(days=rng.uniform(0, 30 if status == "draft" else 365))
        submitted_at = None
    elif status in OPEN_AGE_DAYS:
        submitted_at = now - timedelta(days=rng.uniform(0, OPEN_AGE_DAYS[status]))
        created_at = submitted_at - timedelta(minutes=rng.uniform(5, 2 * 24 * 60))
    else:
        submitted_at = now - timedelta(days=rng.uniform(2, 365))
        created_at = submitted_at - timedelta(minutes=rng.uniform(5, 2 * 24 * 60))
    if status in ("released", "rejected") or (status == "cancelled" and submitted):
        hours = {"green": (0.1, 6), "yellow": (1, 48), "red": (24, 144)}[lane]
        changed_at = submitted_at + timedelta(hours=rng.uniform(*hours))
    elif submitted_at is not None:
        changed_at = submitted_at + (now - submitted_at) * rng.uniform(0.1, 0.9)
    else:
        changed_at = None
    traders = people.traders[company.pk]
    officers = people.officers[office_code]
    officer = rng.choice(officers) if lane in ("yellow", "red") else None
    taken = status not in ("draft", "submitted", "cancelled") and officer is not None
    goods = [rng.choice(GOODS) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 5)))]
    rate_value = Decimal(rate)
    items, total_cents = [], 0
    assessed = status in ("assessed", "paid", "released")
    duty_cents = vat_cents = value_cents = 0
    for line, (hs_code, description, unit, kg, price) in enumerate(goods, start=1):
        quantity = rng.randint(1, 400)
        cents = int(quantity * price * rng.uniform(0.8, 1.2) * 100 / float(rate_value) * 7)
        cents = max(cents, 100)
        total_cents += cents
        net = Decimal(quantity * kg).quantize(Decimal("0.001"))
        item = {
            "line": line,
            "hs_code": hs_code,
            "description": description,
            "origin_country": country,
            "quantity": f"{quantity}.000",
            "unit": unit,
            "net_mass": str(net),
            "gross_mass": str((net * Decimal("1.08")).quantize(Decimal("0.001"))),
            "invoice_value": _money(cents),
            "valuation_method": 1,
            "customs_value": None,
            "duty_rate": None,
            "duty": None,
            "vat_rate": None,
            "vat": None,
        }
        if assessed:
            value = int(Decimal(cents) * rate_value)
            duty = value * 8 // 100
            vat = (value + duty) * 13 // 100
            item.update(
                customs_value=_money(value),
                duty_rate="8.00",
                duty=_money(duty),
                vat_rate="13.00",
                vat=_money(vat),
            )
            value_cents, duty_cents, vat_cents = (
                value_cents + value,
                duty_cents + duty,
                vat_cents + vat,
            )
        items.append(item)
    trader = rng.choice(traders)
    row = _Row(
        id=None,
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        company_id=company.pk,
        created_by_id=trader.pk,
        office_id=people.offices[office_code].pk,
        flow=flow,
        procedure_code="4000" if flow == "import" else "1000",
        number=None,
        lrn="",
        consignor_name=partner if flow == "import" else company.name,
        consignor_country=country if flow == "import" else "CN",
        consignor_id="",
        consignee_name=company.name if flow == "import" else partner,
        consignee_country="CN" if flow == "import" else country,
        consignee_id=company.usci if flow == "import" else "",
        dispatch_country=country if flow == "import" else "CN",
        destination_country="CN" if flow == "import" else country,
        transport_mode=mode,
        transport_document="",
        transport_means_id="IMO9321483" if mode == "1" else "",
        port_of_loading=port if flow == "import" else "CNSHA",
        port_of_discharge="CNSHA" if flow == "import" else port,
        incoterm=incoterm,
        incoterm_place=port[2:].title(),
        invoice_currency=currency,
        invoice_total=_money(total_cents),
        exchange_rate=rate,
        freight=_money(rng.randint(200, 3000) * 100),
        insurance=_money(rng.randint(20, 400) * 100),
        status=status,
        lane=lane,
        risk_reasons=_risk_reasons(rng, lane),
        assigned_officer_id=officer.pk if taken else None,
        customs_value=_money(value_cents) if assessed else None,
        duty_total=_money(duty_cents) if assessed else None,
        vat_total=_money(vat_cents) if assessed else None,
        payment_reference=f"PAY{rng.randrange(10**11):011d}"
        if status in ("paid", "released")
        else "",
        decision_reason="Goods not as declared" if status == "rejected" else "",
        created_at=created_at,
        updated_at=changed_at or created_at,
        submitted_at=submitted_at,
        status_changed_at=changed_at,
        released_at=changed_at if status == "released" else None,
        version=1,
    )
    row.items = items
    row.trader = trader
    row.officer = officer
    row.taken = taken
    return row


def _cell(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        import json

        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_rows(model, rows, *, skip=("id",)) -> int:
    """COPY dicts keyed by ``attname`` into the model's table; returns the row count."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_cell(row[f.attname]) for f in fields))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN",
            buffer,
        )
    return count


def _history(row: _Row) -> list[tuple[str, str, dict]]:
    """The ledger entries the services would have written for this declaration, in order."""
    trader = f"user:{row['created_by_id']}"
    officer = f"user:{row.officer.pk}" if row.officer is not None else ""
    status, lane = row["status"], row["lane"]
    totals = {
        "customs_value": row["customs_value"],
        "duty_total": row["duty_total"],
        "vat_total": row["vat_total"],
    }
    steps = [
        (
            trader,
            "declaration.created",
            {"lrn": row["lrn"], "office": row.office_code, "flow": row["flow"]},
        )
    ]
    if status == "draft":
        return steps
    for document in row.documents:
        steps.append(
            (
                trader,
                "declaration.document_added",
                {
                    "document": str(document["uuid"]),
                    "type": document["type"],
                    "reference": document["reference"],
                    "sha256": document["sha256"],
                },
            )
        )
    if row["number"] is None:
        return [*steps, (trader, "declaration.cancelled", {"reason": "Filed in error"})]
    steps.append((trader, "declaration.submitted", {"number": row["number"]}))
    rules = [match["name"] for match in row["risk_reasons"]]
    steps.append(("system:risk", "declaration.risk_assessed", {"lane": lane, "rules": rules}))
    if lane == "green":
        if status in ("assessed", "paid", "released"):
            steps.append(("system:assessment", "declaration.assessed", totals))
        if status in ("paid", "released"):
            steps.append(
                (trader, "declaration.paid", {"payment_reference": row["payment_reference"]})
            )
        if status == "released":
            steps.append(("system:clearance", "declaration.released", {}))
        return steps
    if status == "submitted":
        return steps
    if status == "cancelled":
        return [*steps, (trader, "declaration.cancelled", {"reason": "Shipment withdrawn"})]
    steps.append((officer, "declaration.taken", {"officer": officer}))
    if status == "query":
        return [*steps, (officer, "declaration.queried", {"question": row.question})]
    if lane == "red":
        steps.append((officer, "declaration.inspection_ordered", {"instructions": "Open 1 box"}))
        if status == "inspection":
            return steps
        steps.append(
            (officer, "declaration.inspection_recorded", {"findings": "Goods as declared"})
        )
    if status == "rejected":
        return [*steps, (officer, "declaration.rejected", {"reason": row["decision_reason"]})]
    if status == "under_review":
        return steps
    steps.append((officer, "declaration.assessed", {**totals, "reason": "Checked"}))
    if status in ("paid", "released"):
        steps.append((trader, "declaration.paid", {"payment_reference": row["payment_reference"]}))
    if status == "released":
        steps.append((officer, "declaration.released", {"note": "Released"}))
    return steps


def build_declarations(n: int, *, seed: int = SEED) -> Built:
    """Make the people, then bulk-load ``n`` declarations and append their histories."""
    from bench.ledgerdata import build_ledger
    from eport.declarations.models import (
        Declaration,
        Document,
        GoodsItem,
        Inspection,
        NumberSequence,
        Query,
    )
    from ledger.models import Entry
    from ledger.services import entry_fields

    clock = [time.perf_counter()]
    seconds = {}

    def lap(phase: str) -> None:
        now = time.perf_counter()
        seconds[phase] = now - clock[0]
        clock[0] = now

    rng = random.Random(seed)
    now = timezone.now()
    people = make_people(rng)
    sizes = [1 / (rank + 1) ** 0.8 for rank in range(len(people.companies))]
    rows = [
        _declaration(rng, now, people, rng.choices(people.companies, weights=sizes)[0])
        for _ in range(n)
    ]
    # Ids follow creation, as the sequence would have given them.
    rows.sort(key=lambda row: row["created_at"])
    lrn_counters: Counter = Counter()
    code_of = {office.pk: code for code, office in people.offices.items()}
    for number, row in enumerate(rows, start=1):
        row["id"] = number
        row.office_code = code_of[row["office_id"]]
        year = timezone.localtime(row["created_at"]).year
        lrn_counters[row["company_id"], year] += 1
        row["lrn"] = f"PO-{year}-{lrn_counters[row['company_id'], year]:06d}"
    # Numbers in submission order, gap-free per office, year and flow, like numbering.py.
    sequences: Counter = Counter()
    submitted = sorted(
        (row for row in rows if row["submitted_at"] is not None), key=lambda r: r["submitted_at"]
    )
    for row in submitted:
        year = timezone.localtime(row["submitted_at"]).year
        digit = "1" if row["flow"] == "import" else "0"
        sequences[row.office_code, year, digit] += 1
        row["number"] = (
            f"{row.office_code}{year}{digit}{sequences[row.office_code, year, digit]:09d}"
        )
    items, documents, queries, inspections = [], [], [], []
    for row in rows:
        pk = row["id"]
        for item in row.items:
            item["declaration_id"] = pk
            items.append(item)
        row.documents = []
        row.question = ""
        if row["status"] == "draft":
            continue
        transport_type = {"1": "705", "4": "740"}.get(row["transport_mode"])
        if transport_type:
            prefix = "HLCU" if transport_type == "705" else "784-"
            row["transport_document"] = f"{prefix}{rng.randrange(10**7):07d}"
        for kind, reference in (
            ("380", f"INV-{row['lrn'][3:]}"),
            (transport_type, row["transport_document"]),
        ):
            if kind is None:
                continue
            digest = hashlib.sha256(f"{pk}:{kind}".encode()).hexdigest()
            document = {
                "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                "declaration_id": pk,
                "type": kind,
                "reference": reference,
                "issued_on": row["created_at"].date().isoformat(),
                "file": f"documents/{digest[:2]}/{digest}",
                "sha256": digest,
                "size": rng.randint(30_000, 900_000),
                "content_type": "application/pdf",
                "original_name": f"{reference}.pdf",
                "uploaded_by_id": row["created_by_id"],
                "uploaded_at": row["created_at"] + timedelta(minutes=2),
            }
            documents.append(document)
            row.documents.append(document)
        if row["status"] == "query":
            row.question = "Please send the certificate of origin for item 1."
            queries.append(
                {
                    "declaration_id": pk,
                    "asked_by_id": row.officer.pk,
                    "question": row.question,
                    "asked_at": row["status_changed_at"],
                    "answer": "",
                    "answered_by_id": None,
                    "answered_at": None,
                }
            )
        if row["lane"] == "red" and row.taken and row["status"] != "query":
            done = row["status"] != "inspection"
            inspections.append(
                {
                    "declaration_id": pk,
                    "ordered_by_id": row.officer.pk,
                    "instructions": "Open 1 box",
                    "ordered_at": row["submitted_at"] + timedelta(hours=2),
                    "findings": "Goods as declared" if done else "",
                    "recorded_by_id": row.officer.pk if done else None,
                    "recorded_at": row["submitted_at"] + timedelta(hours=20) if done else None,
                }
            )
    lap("people and rows")
    with transaction.atomic():
        for start in range(0, len(rows), 20_000):
            copy_rows(Declaration, rows[start : start + 20_000], skip=())
        copy_rows(GoodsItem, items)
        copy_rows(Document, documents)
        copy_rows(Query, queries)
        copy_rows(Inspection, inspections)
        NumberSequence.objects.bulk_create(
            NumberSequence(office_code=office, year=year, flow_digit=digit, last=last)
            for (office, year, digit), last in sequences.items()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('declarations_declaration', 'id'), %s)", [n]
            )

    lap("COPY rows")
    histories = ((row, _history(row)) for row in rows)

    def steps():
        for row, history in histories:
            subject = f"declaration:{row['uuid']}"
            for number, (actor, action, data) in enumerate(history):
                data = {k: v for k, v in data.items() if v not in ("", None)}
                data["state"] = hashlib.sha256(f"{subject}:{number}".encode()).hexdigest()
                yield actor, action, subject, data

    total = sum(len(_history(row)) for row in rows)
    pending = steps()

    def content(seq, moment, prev, rng):
        actor, action, subject, data = next(pending)
        return entry_fields(
            seq=seq,
            moment=moment,
            actor=actor,
            action=action,
            subject=subject,
            data=data,
            prev=prev,
        )

    head = Entry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    build_ledger(head + 1 + total, content=content)
    lap("ledger")
    # What autovacuum would have done by now: statistics and the visibility map.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")
    built = summarize()
    built.seconds = seconds
    return built


def summarize() -> Built:
    """Counts of what the database holds, for the report."""
    from django.db.models import Count

    from eport.declarations.models import Declaration, Document, GoodsItem
    from eport.declarations.selectors import OPEN_STATUSES
    from ledger.models import Entry

    built = Built(
        declarations=Declaration.objects.count(),
        items=GoodsItem.objects.count(),
        documents=Document.objects.count(),
        ledger_entries=Entry.objects.count(),
    )
    built.statuses.update(
        dict(Declaration.objects.order_by().values_list("status").annotate(n=Count("pk")))
    )
    built.open_by_office.update(
        dict(
            Declaration.objects.filter(status__in=OPEN_STATUSES)
            .order_by()
            .values_list("office__code")
            .annotate(n=Count("pk"))
        )
    )
    built.per_company.update(
        dict(Declaration.objects.order_by().values_list("company_id").annotate(n=Count("pk")))
    )
    return built
