"""``python -m benchmarks``: run B1–B6 and print the table (figure, floor, ratio, target, result).

    python -m benchmarks                      # everything, SQLite and PostgreSQL
    python -m benchmarks --only B1,B2         # some of them
    python -m benchmarks --backend sqlite     # skip PostgreSQL
    python -m benchmarks --quick              # shorter runs (B4 5 s, B6 200 refreshes, B11 100 calls), same targets

PostgreSQL: TALON_BENCH_DATABASE_URL, else TALON_TEST_DATABASE_URL, else the local test server (when
neither is set and nothing answers there, the PostgreSQL rows are skipped with a line saying how).
Histories are built once and kept in benchmarks/.cache/ (PostgreSQL: schemas talon_bench_h*; the
10 k one is built when missing, the 1 M one only with --build-pg-history — without it the rows that
need it are skipped with a line saying how to build it).
Exit status 1 when a target is missed or a benchmark broke; skipped rows do not count.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from .common import PG_URL, PG_URL_GIVEN, Row, print_table
from .history import HistoryMissing


def _pg_available() -> str | None:
    try:
        import psycopg

        from .common import psycopg_dsn

        psycopg.connect(psycopg_dsn(PG_URL), connect_timeout=3).close()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not available", said in the table
        return str(e).splitlines()[0] if str(e) else type(e).__name__


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description="Talon benchmarks B1–B6, B11")
    ap.add_argument("--only", default="B1,B2,B3,B4,B5,B6,B11")
    ap.add_argument("--backend", default="sqlite,postgres")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build-pg-history", action="store_true",
                    help="build the 1 M PostgreSQL history if missing (≈ 15–20 min; the 10 k one is always built)")
    args = ap.parse_args(argv)
    only = {x.strip().upper() for x in args.only.split(",")}
    backends = [b.strip() for b in args.backend.split(",")]
    pg_down = _pg_available() if "postgres" in backends else None
    rows: list[Row] = []

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def section(bid: str, what: str, fn, *a, **kw) -> None:  # noqa: ANN001
        if bid not in only:
            return
        log(f"{bid}: {what}…")
        t = time.perf_counter()
        try:
            out = fn(*a, **kw)
            rows.extend(out if isinstance(out, list) else [out])
        except HistoryMissing as e:
            rows.append(Row(bid, what, "skipped", target="—", note=str(e)))
        except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others
            log(traceback.format_exc())
            rows.append(Row(bid, what, "not available", note=f"{type(e).__name__}: {str(e)[:200]}"))
        log(f"{bid}: done in {time.perf_counter() - t:.0f} s")

    from . import b1_issue, b2_call_next, b3_report, b4_load, b5_startup, b6_memory, b11_key

    for backend in backends:
        if backend == "postgres" and pg_down:
            # A URL that was given and does not answer is a failure; the default one is only a guess.
            figure, how = (("not available", "") if PG_URL_GIVEN else
                           ("skipped", "; set TALON_BENCH_DATABASE_URL (or TALON_TEST_DATABASE_URL) to a "
                                       "PostgreSQL database, or run with --backend sqlite"))
            rows.extend(Row(b, f"{backend}", figure, target="—", note=f"PostgreSQL: {pg_down}{how}")
                        for b in ("B1", "B2", "B3", "B4", "B11") if b in only)
            continue
        section("B1", f"issue_ticket, {backend}", b1_issue.run, backend)
        build = backend == "sqlite" or args.build_pg_history
        section("B2", f"call_next vs history, {backend}", b2_call_next.run, backend, log=log, build=build)
        section("B3", f"quarterly report, {backend}", b3_report.run, backend, log=log, build=build)
        section("B4", f"processes under load, {backend}", b4_load.run, backend, seconds=5 if args.quick else 30)
        section("B11", f"operator's F2 to the code on screen, {backend}", b11_key.run, backend,
                late=100 if args.quick else b11_key.LATE)
    section("B5", "start-up", b5_startup.run)
    section("B6", "memory over refreshes", b6_memory.run, refreshes=200 if args.quick else 1000)
    print_table(rows)
    return 1 if any(r.ok is False or r.figure == "not available" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
