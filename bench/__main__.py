"""`make bench` / `python -m bench [--quick] [--only NAME[,NAME]] [--db sqlite,postgres]`.

Starts a throwaway PostgreSQL (tests/pgserver.py) and redis-server (tests/redisserver.py)
when installed, runs each scenario in its own process on a fresh database, and prints
medians, 95th percentiles, query counts and the ratios against the references measured
in the same run. The raw figures go to var/bench/latest.json.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from .common import RESULT_PREFIX
from .sqlgroups import LABELS as STATEMENT_GROUPS

ROOT = Path(__file__).resolve().parent.parent
# name -> the runs it makes: (module, database, extra arguments, label)
SCENARIOS = {
    "approval": [("approval", "sqlite", [], "SQLite"), ("approval", "postgres", [], "PostgreSQL")],
    "inbox": [("inbox", "sqlite", [], "SQLite"), ("inbox", "postgres", [], "PostgreSQL")],
    "websocket": [
        ("websocket", "sqlite", ["--layer", "memory"], "in-memory layer"),
        ("websocket", "sqlite", ["--layer", "redis"], "Redis layer"),
    ],
    "docx": [("docx", "sqlite", [], "")],
    "docx_import": [("docx_import", "sqlite", [], "")],
    "pdf": [("pdf", "sqlite", [], "")],
    "throughput": [("throughput", "postgres", [], "PostgreSQL")],
}
ALIASES = {"floor": "approval", "viewflow": "approval", "docs": "docx", "ws": "websocket", "import": "docx_import"}
CHILD_TIMEOUT = 1800

# Targets (not timed tests: the run reports them). The approval's, of issue 14: its median
# against the floor's, per database, and its statements (without BEGIN/COMMIT/savepoints);
# they replace issue 7's (≤ 12× the floor on both, ≤ 30 queries). The rest are issue 7's.
APPROVAL_VS_FLOOR = {"SQLite": 12, "PostgreSQL": 10}
APPROVAL_STATEMENTS = 16
APPROVAL_VS_VIEWFLOW = 1.5
INBOX_P95_MS = 50
WEBSOCKET_P95_MS = 100
DOCX_10_PAGES_MS = 50
APPROVALS_PER_SECOND = 100


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout  # noqa: S607
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        info["cpu"] = fields.get("Model name", "").strip()
        info["cpus"] = fields.get("CPU(s)", "").strip()
    with contextlib.suppress(OSError):
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0].split()
        info["ram_gb"] = round(int(meminfo[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        info["load_at_start"] = os.getloadavg()
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few runs and a smaller large inbox: a smoke test")
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--no-save", action="store_true", help="do not write var/bench/latest.json")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case, for every scenario but websocket")
    return parser.parse_args()


def selected(args) -> list[tuple[str, str, list[str], str]]:
    names = [ALIASES.get(name, name) for name in args.only.split(",") if name] or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    databases = set(args.db.split(","))
    return [run for name in dict.fromkeys(names) for run in SCENARIOS[name] if run[1] in databases]


@contextlib.contextmanager
def servers(runs, notes):
    """PostgreSQL and Redis when a run needs them and they are installed."""
    sys.path.insert(0, str(ROOT))
    from tests import pgserver, redisserver

    with contextlib.ExitStack() as stack:
        found = {"postgres": None, "redis": None}
        if any(run[1] == "postgres" for run in runs):
            if pgserver.find_binaries() is None:
                notes.append("PostgreSQL not installed (apt-get install postgresql): its runs are skipped")
            else:
                found["postgres"] = stack.enter_context(pgserver.running_postgres())
        if any("redis" in run[2] for run in runs):
            if redisserver.find_binary() is None:
                notes.append("redis-server not installed (apt-get install redis-server): Redis runs are skipped")
            else:
                found["redis"] = stack.enter_context(redisserver.running_redis())
        yield found


def run_child(run, number, found, workdir, args) -> dict | None:
    module, database, extra, label = run
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if database == "postgres":
        if found["postgres"] is None:
            return None
        from tests.pgserver import create_database

        env["DATABASE_URL"] = create_database(found["postgres"], f"bench_{module}_{number}")
    else:
        env["SQLITE_PATH"] = str(workdir / f"{module}-{number}.sqlite3")
    if "redis" in extra:
        if found["redis"] is None:
            return None
        env["REDIS_URL"] = found["redis"]
    command = [sys.executable, "-m", f"bench.{module}", "--db", database, *extra, *(["--quick"] if args.quick else [])]
    if args.runs and module != "websocket":
        command += ["--runs", str(args.runs)]
    print(f"\n▸ {module} {label}".rstrip(), file=sys.stderr, flush=True)
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603 - our own modules
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=CHILD_TIMEOUT
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        print(completed.stdout[-3000:], file=sys.stderr)
        raise SystemExit(f"bench.{module} ({label}) failed with exit code {completed.returncode}")
    result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["seconds"] = round(time.monotonic() - started, 1)
    result["label"] = label
    return result


# --- printing --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def ms(value: float) -> str:
    return f"{value:8.2f} ms"


def print_approval(result, targets):
    t, q = result["timings"], result["queries"]
    database = result["database"]
    print(f"\n== Approval — {database}, {t['approval']['n']} runs each, interleaved ==")
    print(f"{'':46}{'median':>11}{'p95':>12}   queries (+ BEGIN/COMMIT/savepoints)")

    def row(title, timing, counts=None):
        figures = f"{title:46}{ms(timing['median_ms'])}{ms(timing['p95_ms'])}"
        if counts is not None:
            figures += f"   {counts['queries']:3d} (+{counts['statements'] - counts['queries']})"
        print(figures)

    row("floor: 1 UPDATE + 1 INSERT, 1 transaction", t["floor"], q["floor"])
    row("viewflow: minimal flow, complete 1 task", t["viewflow"], q["viewflow"])
    row("approval: workflows.services.approve_request", t["approval"], q["approval"])
    after = result.get("approval_after_commit", 0)
    row(f"  of which after commit (push; {after} quer{'y' if after == 1 else 'ies'})", t["after_commit"])
    tasks = ", ".join(name.rsplit(".", 1)[-1] for name in result.get("deferred_tasks", [])) or "none"
    row(f"deferred, run after it: {tasks}", t["deferred"], q["deferred"])

    print(f"statements of one approval by purpose ({after} after commit):")
    for key, count in result.get("approval_groups", {}).items():
        print(f"  {count:3d}  {STATEMENT_GROUPS.get(key, key)}")

    label = result["label"]
    for reference, limit in (("floor", APPROVAL_VS_FLOOR.get(label, 12)), ("viewflow", APPROVAL_VS_VIEWFLOW)):
        median = t["approval"]["median_ms"] / t[reference]["median_ms"]
        p95 = t["approval"]["p95_ms"] / t[reference]["p95_ms"]
        ok = median <= limit
        print(f"ratio approval / {reference}: {median:.1f}× median, {p95:.1f}× p95 (target ≤ {limit}×: {verdict(ok)})")
        targets.append((f"approval median ≤ {limit}× {reference} ({database})", f"{median:.1f}×", ok))
    statements = q["approval"]["queries"]
    ok = statements <= APPROVAL_STATEMENTS
    print(
        f"statements per approval: {statements}, without BEGIN/COMMIT/savepoints "
        f"(target ≤ {APPROVAL_STATEMENTS}: {verdict(ok)})"
    )
    targets.append((f"approval ≤ {APPROVAL_STATEMENTS} statements ({database})", str(statements), ok))


def print_inbox(result, targets):
    print(f"\n== Inbox /bandeja/ (selector, notifications, render) — {result['database']} ==")
    header = f"{'size':24}{'inbox of':10}{'tasks':>6}{'page median':>13}{'page p95':>11}"
    print(f"{header}{'selector p95':>14}{'queries':>9}")
    by_user = {}
    for size in result["sizes"]:
        title = f"{size['requests']:,} req, {size['open_tasks']:,} open"
        for inbox in size["inboxes"]:
            page, selector = inbox["page"], inbox["selector"]
            print(
                f"{title:24}{inbox['label']:10}{inbox['tasks_shown']:>6}{ms(page['median_ms']):>13}"
                f"{ms(page['p95_ms']):>11}{ms(selector['p95_ms']):>14}{inbox['queries']['queries']:>9}"
            )
            by_user.setdefault(inbox["label"], []).append((size, inbox))
    small, large = by_user["gerente"][0][1], by_user["gerente"][-1][1]
    equal = small["queries"]["queries"] == large["queries"]["queries"]
    fast = large["page"]["p95_ms"] < INBOX_P95_MS
    requests = f"{result['sizes'][-1]['requests']:,}"
    targets.append((f"inbox queries equal at both sizes ({result['database']})", "equal" if equal else "differ", equal))
    title = f"inbox p95 < {INBOX_P95_MS} ms at {requests} ({result['database']})"
    targets.append((title, f"{large['page']['p95_ms']:.0f} ms", fast))


def print_websocket(results, targets):
    print("\n== Websocket: commit → receipt of the hint, real sockets against daphne on loopback ==")
    print(f"{'layer':18}{'sockets':>8}{'receipts':>10}{'p50':>12}{'p95':>12}{'max':>12}{'lost':>6}")
    for result in results:
        for count, row in result["clients"].items():
            print(
                f"{result['label']:18}{count:>8}{row['receipts']:>10}{ms(row['p50_ms']):>12}"
                f"{ms(row['p95_ms']):>12}{ms(row['max_ms']):>12}{row.get('missing', 0):>6}"
            )
        many = result["clients"].get("500")
        if many:
            ok = many["p95_ms"] < WEBSOCKET_P95_MS and not many.get("missing")
            title = f"websocket p95 < {WEBSOCKET_P95_MS} ms, 500 sockets, {result['label']}"
            targets.append((title, f"{many['p95_ms']:.0f} ms", ok))


def print_docx(result, targets):
    runs = next(iter(result["timings"].values()))["n"]
    print(f"\n== DOCX rendering (documents.rendering.render_docx), {runs} runs ==")
    for name, row in result["timings"].items():
        size = result["bytes"].get(name, 0) / 1024
        print(f"{name:14}{ms(row['median_ms'])} median{ms(row['p95_ms'])} p95   {size:6.1f} KB")
    pages = result.get("long_pages")
    print(f"the long document: {result['long_body_chars']:,} characters of body, {pages or '?'} pages (LibreOffice)")
    long_median = result["timings"]["10 pages"]["median_ms"]
    targets.append((f"10-page DOCX < {DOCX_10_PAGES_MS} ms", f"{long_median:.0f} ms", long_median < DOCX_10_PAGES_MS))


def print_pdf(result, targets):
    if result.get("skipped"):
        print(f"\n== Signed PDF per kind: skipped ({result['skipped']}) ==")
        return
    runs = next(iter(next(iter(result["timings"].values())).values()))["n"]
    print(f"\n== Signed PDF per kind (documents.official: DOCX, LibreOffice PDF/A-2b, PAdES), {runs} runs ==")
    print(f"{'kind':14}{'DOCX':>10}{'LibreOffice':>13}{'signature':>11}{'total':>10}{'total p95':>11}{'size':>10}")
    for kind, row in result["timings"].items():
        size = result["bytes"].get(kind, 0) / 1024
        print(
            f"{kind:14}{row['docx']['median_ms']:>8.0f} ms{row['convert']['median_ms']:>10.0f} ms"
            f"{row['sign']['median_ms']:>8.0f} ms{row['total']['median_ms']:>7.0f} ms{row['total']['p95_ms']:>8.0f} ms"
            f"{size:>7.1f} KB"
        )
    print("(medians; each conversion starts LibreOffice with a fresh profile, as the task queue does)")


def print_docx_import(result, targets):
    budget_s, budget_mb = result["budgets"]["seconds"], result["budgets"]["mb"]
    print(f"\n== DOCX import under hostile input (issue 13), whole service, {result['runs']} runs ==")
    print(f"{'case':34}{'zip':>8}{'median':>9}{'worst':>8}{'× 2 s':>7}{'traced':>9}{'× 50 MB':>9}{'RSS +':>8}  outcome")
    for name, row in result["cases"].items():
        growth = row["rss_growth_mb"]
        print(
            f"{name:34}{row['zip_kb']:>6} KB{row['median_s']:>8.2f}s{row['max_s']:>7.2f}s"
            f"{row['max_s'] / budget_s:>7.2f}{row['traced_peak_mb']:>6.1f} MB{row['traced_peak_mb'] / budget_mb:>9.2f}"
            f"{'' if growth is None else f'{growth:.0f} MB':>8}  {row['outcome'][:60]}"
        )
    for group in ("accepted", "refused"):
        rows = [row for row in result["cases"].values() if row["group"] == group]
        worst_s = max(row["max_s"] for row in rows)
        worst_mb = max(row["traced_peak_mb"] for row in rows)
        ok = worst_s < budget_s and worst_mb < budget_mb
        title = f"DOCX import < {budget_s:.0f} s and < {budget_mb} MB, worst {group}"
        targets.append((title, f"{worst_s:.2f} s, {worst_mb:.1f} MB", ok))


def print_throughput(results, targets):
    print("\n== Approvals per second, 8 concurrent clients (processes, own connections) ==")
    for result in results:
        latency = result["latency"]
        print(
            f"{result['database']:18}{result['per_second']:8.1f} approvals/s   ({result['approvals']} in "
            f"{result['wall_s']:.1f} s; each: {latency['median_ms']:.0f} ms median, {latency['p95_ms']:.0f} ms p95)"
        )
        if result["database"].startswith("PostgreSQL"):
            ok = result["per_second"] >= APPROVALS_PER_SECOND
            title = f"≥ {APPROVALS_PER_SECOND} approvals/s, PostgreSQL, 8 clients"
            targets.append((title, f"{result['per_second']:.0f}/s", ok))


def main():
    args = parse_args()
    runs = selected(args)
    notes: list[str] = []
    info = machine()
    print(
        f"Machine: {info.get('cpu', '?')}, {info.get('cpus', '?')} CPUs, {info.get('ram_gb', '?')} GB RAM; "
        f"Python {info['python']}, SQLite {info['sqlite']}; load average {info.get('load_at_start', '?')}"
    )
    if args.quick:
        print("QUICK run: few repetitions and a 10,000-request large inbox; not figures to quote.")
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="pubs-bench-"))
    try:
        with servers(runs, notes) as found:
            for number, run in enumerate(runs):
                result = run_child(run, number, found, workdir, args)
                if result is None:
                    notes.append(f"{run[0]} {run[3]}: skipped (server not available)")
                else:
                    results.append(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["load_at_end"] = os.getloadavg()

    targets: list[tuple[str, str, bool]] = []
    by_scenario: dict[str, list] = {}
    for result in results:
        by_scenario.setdefault(result["scenario"], []).append(result)
    for result in by_scenario.get("approval", []):
        print_approval(result, targets)
    for result in by_scenario.get("inbox", []):
        print_inbox(result, targets)
    if "websocket" in by_scenario:
        print_websocket(by_scenario["websocket"], targets)
    for result in by_scenario.get("docx", []):
        print_docx(result, targets)
    for result in by_scenario.get("docx_import", []):
        print_docx_import(result, targets)
    for result in by_scenario.get("pdf", []):
        print_pdf(result, targets)
    if "throughput" in by_scenario:
        print_throughput(by_scenario["throughput"], targets)

    if targets:
        print("\n== Targets ==")
        for title, figure, ok in targets:
            print(f"{'met   ' if ok else 'MISSED'}  {title}: {figure}")
    for note in notes:
        print(f"note: {note}")
    print(f"load average at the end: {info['load_at_end']}")

    if args.no_save:
        return
    output = ROOT / "var" / "bench"
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"when": stamp, "quick": args.quick, "machine": info, "results": results, "notes": notes}
    payload["targets"] = [{"target": title, "figure": figure, "met": ok} for title, figure, ok in targets]
    (output / "latest.json").write_text(json.dumps(payload, indent=1, default=str))
    print(f"raw figures: {output / 'latest.json'}")


if __name__ == "__main__":
    main()
