"""Schemathesis from outside, as an integrator runs it: the CLI against the live server, every
check and every phase (the stateful one included), once as a trader and once as an officer.

Nothing may fail. The session ends with what each run covered (operations, test cases, the links
the stateful phase followed) and every failure by kind; the failures' reproducing requests are in
the test's output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.contract

HERE = Path(__file__).parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
PHASES = "examples,coverage,fuzzing,stateful"
ROLES = ("trader", "officer")
LINKS = re.compile(r"(\d+) covered / (\d+) selected / (\d+) total")
WARNING = re.compile(r"^  ⚠️ (.+)$", re.MULTILINE)
DETAILS = re.compile(r"^=+ (ERRORS|FAILURES|WARNINGS) =+$", re.MULTILINE)


def start_schemathesis(world, role: str, report_dir: Path) -> subprocess.Popen:
    """The CLI as an integrator runs it, with the role's token and the ids of its objects."""
    report_dir.mkdir()
    environment = {
        **{f"CONTRACT_{name}": value for name, value in world.objects[role].items()},
        "CONTRACT_HOOKS": str(HERE / "schemathesis_hooks.py"),
        # Its output reaches the file as it is written (see ``loaded``).
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{world.base_url}/api/schema/",
        "--header",
        f"Authorization: {getattr(world, role).authorization}",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--report",
        "json,ndjson",
        "--report-dir",
        str(report_dir),
    ]
    # A file, not a pipe: a run must never wait for the test to read the other run's output.
    with (report_dir / "stdout.txt").open("w") as output:
        return subprocess.Popen(
            command,
            env={**os.environ, **environment},
            cwd=report_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def summary(role: str, report: dict, output: str) -> str:
    """What the lead quotes: operations, test cases, links followed, failures by kind."""
    links = LINKS.findall(output)
    if report["operations"] is None:
        return f"schemathesis as {role}: no operation tested\n{output[-2000:]}"
    lines = [
        f"schemathesis as {role}: {report['operations']['tested']} operations tested of "
        f"{report['operations']['selected']}, {report['test_cases']['generated']} test cases, "
        f"{report['test_cases']['unique_failures']} unique failures, "
        f"stateful links {' / '.join(links[-1]) if links else 'not reported'} "
        "(covered / selected / total)",
        *(
            f"  {failure['code']} {failure['title']}: {failure['count']} "
            f"({', '.join(failure['operations'])})"
            for failure in report["failures"]
        ),
        *(f"  error: {error['title']}: {error['count']}" for error in report["errors"]),
        *(f"  warning: {warning}" for warning in WARNING.findall(output)),
    ]
    return "\n".join(lines)


def test_the_api_keeps_its_contract_under_every_check_and_phase(world, tmp_path, contract_summary):
    # Both roles at once, each on its own objects: the server is the bottleneck, not the CLI.
    runs = {}
    try:
        for role in ROLES:
            runs[role] = start_schemathesis(world, role, tmp_path / role)
        for run in runs.values():
            run.wait(timeout=1200)
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()

    problems = []
    for role, run in runs.items():
        stdout = (tmp_path / role / "stdout.txt").read_text()
        report = json.loads(next((tmp_path / role).glob("*.json")).read_text())
        contract_summary.append(summary(role, report, stdout))
        # Errors and failures with their reproducing requests, as the CLI wrote them.
        details = DETAILS.search(stdout)
        print(f"===== {role} =====", stdout[details.start() :] if details else stdout)

        links = LINKS.findall(stdout)
        if not report["operations"] or report["operations"]["tested"] < max(
            report["operations"]["selected"], 60
        ):
            problems.append(f"{role}: not every operation was tested")
        if not links or int(links[-1][0]) == 0:
            problems.append(f"{role}: the stateful phase followed no link")
        if report["failures"] or report["errors"] or run.returncode != 0:
            problems.append(summary(role, report, stdout))
    assert not problems, "\n".join(problems)
