"""The hostile-DOCX import benchmark runs (its figures are docs/PERFORMANCE.md's business):
a smoke run prints every case with its time and memory against the 2 s / 50 MB budgets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_smoke_run_of_the_docx_import_benchmark_prints_each_case_against_the_budgets():
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "docx_import", "--db", "sqlite", "--runs", "1", "--no-save"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    output = completed.stdout
    assert "== DOCX import under hostile input" in output, output
    for case in ("at the element limit", "at the paragraph limit", "one element over", "headers lying"):
        assert re.search(rf"{re.escape(case)}.*\d+\.\d\ds.*MB", output), output
    assert re.search(r"DOCX import < 2 s and < 50 MB, worst accepted: \d+\.\d\d s, \d+\.\d MB", output), output
    assert re.search(r"DOCX import < 2 s and < 50 MB, worst refused: \d+\.\d\d s, \d+\.\d MB", output), output
