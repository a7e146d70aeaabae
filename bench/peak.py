"""Run a command and write its exit code and peak resident memory (KiB) to a file.

Usage: python -m bench.peak RESULT_FILE COMMAND [ARG...]

Linux carries a process's high-water RSS across exec, so a child spawned straight from a large
benchmark process reports the parent's peak. Spawned from this small launcher instead, the
command's ru_maxrss is its own.
"""

import json
import os
import subprocess
import sys


def main() -> None:
    result, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as sink:
        json.dump({"returncode": code, "maxrss_kib": usage.ru_maxrss}, sink)
    sys.exit(code)


if __name__ == "__main__":
    main()
