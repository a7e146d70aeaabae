"""The declarations list exported as CSV at 100,000 declarations: time and peak memory.

    scripts/bench.sh bench/export_csv.py [--declarations 100000] [--reuse]

1. Builds the web benchmark's data (bench.webdata: 20 companies, two offices, a year of
   declarations), or with ``--reuse`` keeps the database bench/web.py built with the same number.
2. Calls the export view (eport.declarations.views.export) in this process, as the auditor (every
   declaration), the officer of office 2201 (its open queue) and the largest filer's trader, and
   reads the whole streamed response: once for the time (rows/s, MB), once under tracemalloc for
   the peak of Python memory allocated while streaming.
3. For comparison, the peak when the same rows are held in a list (what a non-streamed export
   would need before writing its first byte).

Prints the figures and writes bench/results/export_csv.txt. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Report, environment_lines, positive, setup, table

DATABASE = "eport_bench_web"  # the same data as bench/web.py; --reuse shares it


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--declarations", type=positive, default=100_000, help="declarations to build"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database bench/web.py built earlier if it holds this many declarations",
    )
    return parser.parse_args()


def export(user) -> tuple[int, int]:
    """Rows and bytes of one export by ``user``, the response read to its end."""
    from django.test import RequestFactory

    from eport.declarations.views.export import declaration_export

    request = RequestFactory().get("/declarations/export.csv")
    request.user = user
    response = declaration_export(request)
    rows = size = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    response.close()
    return rows - 1, size


def peak_of(work) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    args = parse_args()
    from bench.web import built_earlier

    reuse = args.reuse and built_earlier(args.declarations)
    setup(DATABASE, recreate=not reuse)
    from bench import webdata
    from eport.declarations.forms import ListFilterForm
    from eport.declarations.views.export import COLUMNS
    from eport.declarations.views.listing import listed_declarations

    out = Report("export_csv")
    out(*environment_lines())
    if reuse:
        out(f"reused the database {DATABASE} built earlier")
    else:
        started = time.perf_counter()
        webdata.build_declarations(args.declarations)
        out(f"built {args.declarations:,} declarations in {time.perf_counter() - started:.0f} s")
    people = webdata.load_people()
    company = people.companies[0]
    who = {
        "auditor (all)": people.auditor,
        "officer 2201 (open queue)": people.officers["2201"][0],
        f"trader of the largest filer ({company.name})": people.traders[company.pk][0],
    }
    rows = []
    for label, user in who.items():
        export(user)  # warm: the first query plans and translations
        started = time.perf_counter()
        count, size = export(user)
        seconds = time.perf_counter() - started
        _, streamed_peak = peak_of(lambda user=user: export(user))
        held = listed_declarations(user, ListFilterForm({})).values(*COLUMNS)
        _, held_peak = peak_of(lambda held=held: list(held))
        rows.append(
            [
                label,
                f"{count:,}",
                f"{size / 1e6:.1f}",
                f"{seconds:.2f}",
                f"{count / seconds:,.0f}",
                f"{streamed_peak / 1e6:.1f}",
                f"{held_peak / 1e6:.1f}",
            ]
        )
    out(
        "",
        "== CSV export (streamed; peak = Python allocations traced while reading the response)",
        *table(
            [
                "who",
                "rows",
                "MB",
                "seconds",
                "rows/s",
                "peak MB streamed",
                "peak MB if rows were held",
            ],
            rows,
            align="lrrrrrr",
        ),
    )
    out(f"written to {out.save()}")


if __name__ == "__main__":
    main()
