"""The benchmark itself runs (figures are its business, not the suite's): a smoke run of
the approval scenario on SQLite measures the three cases and prints the ratios."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_smoke_run_of_the_approval_benchmark_prints_ratios_and_queries():
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "approval", "--db", "sqlite", "--runs", "2", "--no-save"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    output = completed.stdout
    assert re.search(r"ratio approval / floor: \d+\.\d× median", output), output
    assert re.search(r"ratio approval / viewflow: \d+\.\d× median", output), output
    queries = re.search(r"queries per approval: (\d+)", output)
    assert queries and int(queries.group(1)) > 0, output
