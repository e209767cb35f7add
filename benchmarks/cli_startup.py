"""How long ``aimi --help`` and ``aimi tenants list`` take to start, beside bare Python.

Each command runs ``--runs`` times in a fresh process against a throwaway SQLite platform
database; the median and the fastest wall time are printed with the machine's load average
(the figures rise with it: this host is shared). The floor is ``python -c "import flask,
sqlalchemy"``, what any Flask command pays. The aim is under a second for both commands.

Run: ``python benchmarks/cli_startup.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIMI = str(Path(sys.executable).with_name("aimi"))


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        spent.append(time.perf_counter() - start)
    return statistics.median(spent), min(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "AIMI_INSTANCE_PATH": folder, "AIMI_DATABASE_URL": f"sqlite:///{folder}/aimi.db"}
        subprocess.run([AIMI, "db", "upgrade"], env=env, check=True, capture_output=True)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.runs} runs each")
        for label, command in (("python -c 'import flask, sqlalchemy'",
                                [sys.executable, "-c", "import flask, sqlalchemy"]),
                               ("aimi --help", [AIMI, "--help"]),
                               ("aimi tenants list", [AIMI, "tenants", "list"])):
            median, fastest = timed(command, env, args.runs)
            print(f"{label:<40} median {median:.2f} s  fastest {fastest:.2f} s")
        print(f"load average {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
