"""The benchmark itself runs (figures are its business, not the suite's): a smoke run of
the approval scenario on SQLite measures the three cases, the approval's deferred work on
its own line, its statements grouped by purpose, and prints the ratios and targets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_smoke_run_of_the_approval_benchmark_prints_ratios_statements_and_deferred_work():
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
    assert re.search(r"ratio approval / floor: \d+\.\d× median, .*target ≤ 12×", output), output
    assert re.search(r"ratio approval / viewflow: \d+\.\d× median", output), output
    assert re.search(r"of which after commit .*\d+\.\d\d ms", output), output
    assert re.search(r"deferred, run after it: render_version_docx +\d+\.\d\d ms", output), output
    statements = re.search(r"statements per approval: (\d+), .*target ≤ 16", output)
    assert statements and int(statements.group(1)) > 0, output
    by_purpose = output.split("by purpose", 1)[1].split("ratio approval", 1)[0]
    grouped = re.findall(r"^ +(\d+)  (?!BEGIN)(.+)$", by_purpose, re.MULTILINE)
    assert sum(int(count) for count, _label in grouped) == int(statements.group(1)), output
    assert {"permission checks", "viewflow bookkeeping", "audit event"} <= {label for _count, label in grouped}, output


def test_a_smoke_run_of_the_pdf_benchmark_times_each_kind():
    """`python -m bench --only pdf`: the DOCX, LibreOffice and signature times of each kind."""
    from documents.pdf import soffice_path
    from tests.conftest import skip_or_fail

    if not soffice_path():
        skip_or_fail("LibreOffice (soffice) no está instalado: apt-get install libreoffice-writer-nogui")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "pdf", "--quick", "--runs", "1", "--no-save"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    output = completed.stdout
    assert "== Signed PDF per kind" in output, output
    for kind in ("publication", "campaign", "speech", "signage"):
        assert re.search(rf"^{kind} +\d+ ms +\d+ ms +\d+ ms +\d+ ms +\d+ ms +\d+\.\d KB$", output, re.MULTILINE), output
