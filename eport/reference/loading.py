"""Loading the reference data shipped in ``eport/reference/data/`` (see its README)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Count

from eport.accounts.models import CustomsOffice
from eport.accounts.services import create_office, ensure_editor_group
from eport.core import actors
from ledger.models import Entry

from . import codes
from .models import GoodsControl, HsCode, TariffLine
from .services import create_goods_control, create_tariff_line

DATA_DIR = Path(__file__).resolve().parent / "data"
HS_FILE = DATA_DIR / "hs" / "harmonized-system.csv"
SECTIONS_FILE = DATA_DIR / "hs" / "sections.csv"
OFFICES_FILE = DATA_DIR / "customs_offices.csv"
TARIFF_FILE = DATA_DIR / "tariff_lines.csv"
CONTROLS_FILE = DATA_DIR / "goods_controls.csv"

ACTOR = actors.REFERENCE
HS_LEVELS = {2: "chapters", 4: "headings", 6: "subheadings"}


@dataclass
class LoadSummary:
    chapters: int = 0
    headings: int = 0
    subheadings: int = 0
    hs_written: int = 0
    offices_created: int = 0
    offices_total: int = 0
    tariff_created: int = 0
    tariff_total: int = 0
    controls_created: int = 0
    controls_total: int = 0
    entries: int = 0

    def __str__(self) -> str:
        return (
            f"HS 2022: {self.chapters} chapters, {self.headings:,} headings, "
            f"{self.subheadings:,} subheadings ({self.hs_written:,} written); "
            f"customs offices: {self.offices_total} ({self.offices_created} new); "
            f"illustrative tariff lines: {self.tariff_total} ({self.tariff_created} new); "
            f"illustrative goods controls: {self.controls_total} ({self.controls_created} new); "
            f"ledger entries: {self.entries}"
        )


def _rows(path: Path) -> list[dict]:
    # utf-8-sig drops the byte-order mark the source files may start with.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_hs() -> list[HsCode]:
    """The HS lines of the shipped file as unsaved HsCode objects."""
    lines = []
    for row in _rows(HS_FILE):
        level = int(row["level"])
        if level not in HS_LEVELS:
            continue  # the file's closing "TOTAL" line is not a code
        parent = row["parent"] if row["parent"] != "TOTAL" else ""
        lines.append(
            HsCode(
                code=row["hscode"],
                level=level,
                section=row["section"],
                parent=parent,
                description=row["description"].strip(),
            )
        )
    return lines


def section_names() -> dict[str, str]:
    """HS section numeral (I … XXI) -> its name."""
    return {row["section"]: row["name"] for row in _rows(SECTIONS_FILE)}


def _load_hs() -> int:
    wanted = {line.code: line for line in read_hs()}
    existing = {
        code: (level, section, parent, description)
        for code, level, section, parent, description in HsCode.objects.values_list(
            "code", "level", "section", "parent", "description"
        )
    }
    missing = [line for code, line in wanted.items() if code not in existing]
    stale = [
        line
        for code, line in wanted.items()
        if code in existing
        and existing[code] != (line.level, line.section, line.parent, line.description)
    ]
    HsCode.objects.bulk_create(missing, batch_size=2000)
    if stale:
        HsCode.objects.bulk_update(
            stale, ["level", "section", "parent", "description"], batch_size=2000
        )
    return len(missing) + len(stale)


def _deleted_subjects(subjects: list[str]) -> set[str]:
    # A shipped row an officer deleted stays deleted: its ".deleted" entry is the record of that.
    return set(
        Entry.objects.filter(subject__in=subjects, action__endswith=".deleted").values_list(
            "subject", flat=True
        )
    )


def _load_offices() -> int:
    rows = _rows(OFFICES_FILE)
    existing = set(CustomsOffice.objects.values_list("code", flat=True))
    candidates = [row for row in rows if row["code"] not in existing]
    deleted = _deleted_subjects([f"office:{row['code']}" for row in candidates])
    new = [row for row in candidates if f"office:{row['code']}" not in deleted]
    for row in new:
        create_office(actor=ACTOR, code=row["code"], name=row["name"])
    return len(new)


def _load_tariff() -> int:
    rows = _rows(TARIFF_FILE)
    existing = set(TariffLine.objects.values_list("hs_prefix", flat=True))
    candidates = [row for row in rows if row["hs_prefix"] not in existing]
    deleted = _deleted_subjects([f"tariff:{row['hs_prefix']}" for row in candidates])
    new = [row for row in candidates if f"tariff:{row['hs_prefix']}" not in deleted]
    for row in new:
        create_tariff_line(
            actor=ACTOR,
            hs_prefix=row["hs_prefix"],
            description=row["description"],
            duty_rate=Decimal(row["duty_rate"]),
            vat_rate=Decimal(row["vat_rate"]),
            illustrative=True,
        )
    return len(new)


def _control_subject(row: dict) -> str:
    return f"control:{row['measure']}:{row['hs_prefix']}"


def _load_controls() -> int:
    rows = _rows(CONTROLS_FILE)
    existing = set(GoodsControl.objects.values_list("measure", "hs_prefix"))
    candidates = [row for row in rows if (row["measure"], row["hs_prefix"]) not in existing]
    deleted = _deleted_subjects([_control_subject(row) for row in candidates])
    new = [row for row in candidates if _control_subject(row) not in deleted]
    for row in new:
        create_goods_control(
            actor=ACTOR,
            hs_prefix=row["hs_prefix"],
            measure=row["measure"],
            description=row["description"],
            illustrative=True,
        )
    return len(new)


@transaction.atomic
def load_reference() -> LoadSummary:
    """Load HS, offices, the illustrative tariff and goods controls; idempotent, keeps edits.

    HS lines are brought in line with the shipped file. Offices, tariff lines and goods controls
    are only added when missing (and not deliberately deleted), each with a ``.created`` ledger
    entry by ``system:reference``; a second run with unchanged files writes nothing to the ledger.
    """
    summary = LoadSummary()
    summary.hs_written = _load_hs()
    summary.offices_created = _load_offices()
    summary.tariff_created = _load_tariff()
    summary.controls_created = _load_controls()
    summary.entries = summary.offices_created + summary.tariff_created + summary.controls_created
    ensure_editor_group()
    for level, count in HsCode.objects.order_by().values_list("level").annotate(Count("code")):
        setattr(summary, HS_LEVELS[level], count)
    summary.offices_total = CustomsOffice.objects.count()
    summary.tariff_total = TariffLine.objects.count()
    summary.controls_total = GoodsControl.objects.count()
    transaction.on_commit(codes.clear_caches)
    codes.clear_caches()
    return summary
