"""Invoice import benchmark: a month of a big club's ERP export, imported and closed.

    make bench                                          # 1,000,000 rows, 10,000 companies
    .venv/bin/python tests/benchmarks/bench_import.py --rows 100000   # a quick run

For each database (a SQLite file, and a throw-away PostgreSQL database when a server
answers at 127.0.0.1:5432; CLUB_TEST_PG_URL overrides, as for the tests) it measures,
each in a fresh process on a fresh database holding the schema and the companies:

- full: the CSV bytes through club.purchases.services.import_file (parse, check, save,
  audit), committed, then close_due_months with `now` in the next month (one pending
  earn per company, the paid part confirmed), committed, then the award-invoice-rules
  job (two product-group promotions over the paid lines of their groups), committed;
- floor: the same invoice rows, already in the table's own format, loaded by the
  database's bulk loader: COPY FROM STDIN (psycopg) on PostgreSQL; on SQLite, which has
  no loader in its library, one executemany of ready tuples in one transaction (what
  the sqlite3 shell's `.import` does, without its CSV reading).

Wall time and peak RSS (getrusage ru_maxrss, i.e. VmHWM) per process; the ratio is the
full path's time over the floor's. Nothing is kept: the temporary directory and the
databases are removed at the end (--keep keeps the CSV).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import make_invoices  # noqa: E402
from postgres import PG_ADMIN_URL, postgres_admin  # noqa: E402

# The export is taken on 31 October; the month is closed early on 1 November.
IMPORTED_AT = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 1, 1, 5, tzinfo=UTC)
INVOICE_COLUMNS = (
    "number",
    "company_id",
    "kind",
    "issue_date",
    "period",
    "due_date",
    "net_amount",
    "currency",
    "paid_date",
    "product_group",
    "created_at",
    "updated_at",
)


# --- measuring ---------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process on this machine (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall time, and CPU time: this process's, plus on PostgreSQL that of the server
    processes serving this database (when the server runs on this machine). Other work
    on a shared machine slows the wall clock; CPU time shows what the import costs."""

    def __init__(self, engine) -> None:
        self.engine = engine if engine.dialect.name == "postgresql" else None

    def _server_cpu(self) -> float | None:
        if self.engine is None:
            return 0.0
        with self.engine.connect() as connection:
            # Client backends only: an autovacuum worker analysing the freshly loaded
            # tables is the server's own work, not the import's, and would count from its
            # start whole if it happened to run at the end of a measurement.
            pids = connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend'"
            ).scalars()
            try:
                return sum(_process_cpu_seconds(pid) for pid in pids)
            except OSError:  # a server elsewhere, or not ours to read
                return None

    def read(self) -> tuple[float, float, float | None]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), usage.ru_utime + usage.ru_stime, self._server_cpu()

    @staticmethod
    def spent(start, end) -> dict:
        wall, cpu, server = (
            None if a is None or b is None else b - a for a, b in zip(start, end, strict=True)
        )
        return {
            "seconds": round(wall, 2),
            "cpu_seconds": None if server is None else round(cpu + server, 2),
        }


# --- the worker: one measurement in a fresh process ----------------------------------------


def _app(url: str):
    from club import create_app

    # A key of its own, so that nothing is written under instance/.
    os.environ["SECRET_KEY"] = "benchmark-secret-key-that-is-long-enough-0123456789"
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": None,
            "SCHEDULER_IN_PROCESS": False,
        }
    )


def _set_up(company_count: int) -> None:
    """The schema and the companies (bulk), committed: not part of any measurement."""
    from sqlalchemy import insert

    from club.extensions import db
    from club.members.models import Company, MembershipStatus

    db.create_all()
    joined = date(2025, 1, 1)
    db.session.execute(
        insert(Company),
        [
            {
                "name": name,
                "tax_id": tax_id,
                "country": "PL",
                "city": "Łódź",
                "status": MembershipStatus.MEMBER,
                "joined_on": joined,
                "created_at": IMPORTED_AT,
            }
            for name, tax_id in make_invoices.companies(company_count)
        ],
    )
    _promotions()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # A running club's tables have planner statistics (autovacuum keeps them); new
        # tables here would have none, and the companies' would tell the planner of 4.
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def _promotions() -> None:
    """Two product-group promotions in force in the imported month (double points on
    inverters, extra on panels): the import must stay within its aims with them."""
    from decimal import Decimal

    from club.extensions import db
    from club.rules import services as rules
    from club.rules.models import RuleKind

    for group, points in (("falowniki", 2), ("panele", 1)):
        data = rules.RuleData(
            kind=RuleKind.PRODUCT_GROUP,
            name_en=f"Promotion: {group}",
            name_pl=f"Promocja: {group}",
            name_ru=f"Акция: {group}",
            effective_from=date(2026, 10, 1),
            ends_on=date(2026, 10, 31),
            points=points,
            per_amount=Decimal(500),
            currency="PLN",
            product_group=group,
        )
        rules.create_rule(db.session, data, actor=None, now=datetime(2026, 9, 30, tzinfo=UTC))


def _full(csv_path: Path) -> dict:
    from sqlalchemy import func, select

    from club.core.database import write_intent
    from club.extensions import db
    from club.ledger.models import Entry
    from club.purchases import services
    from club.purchases.models import PurchaseMonth
    from club.purchases.rewards import award_invoice_rules

    data = csv_path.read_bytes()  # the upload, as the view and the command have it
    result: dict = {"rss_before_mb": round(current_rss_mb(), 1)}
    clock = Clock(db.engine)
    with write_intent():
        started = clock.read()
        _parsed, report = services.import_file(
            db.session, data, filename=csv_path.name, now=IMPORTED_AT
        )
        db.session.commit()
        imported = clock.read()
        result["peak_after_import_mb"] = round(peak_rss_mb(), 1)
        del data, _parsed
        closed_months = services.close_due_months(db.session, now=CLOSED_AT)
        db.session.commit()
        closed = clock.read()
        # The hourly job's first run after the import: the two promotions over the paid
        # invoices of their groups (uncapped: rules.selected.award_selected).
        awarded = award_invoice_rules(db.session, now=CLOSED_AT)
        db.session.commit()
        finished = clock.read()
    result.update(Clock.spent(started, finished))
    result.update(
        {f"import_{key}": value for key, value in Clock.spent(started, imported).items()},
    )
    result.update(
        {f"close_{key}": value for key, value in Clock.spent(imported, closed).items()},
    )
    result.update(
        {f"awards_{key}": value for key, value in Clock.spent(closed, finished).items()},
    )
    result.update(
        peak_rss_mb=round(peak_rss_mb(), 1),
        created=report.created,
        rejected=len(report.rejected),
        months_closed=closed_months,
        invoices_awarded=awarded,
        months=db.session.scalar(select(func.count()).select_from(PurchaseMonth)),
        ledger_entries=db.session.scalar(select(func.count()).select_from(Entry)),
    )
    if report.rejected:
        result["first_rejected"] = [list(item) for item in report.rejected[:3]]
    return result


def _table_rows(csv_path: Path, dialect: str) -> list[tuple]:
    """The invoice rows as the table holds them, worked out before the clock starts."""
    from sqlalchemy import select

    from club.extensions import db
    from club.members.models import Company
    from club.purchases.csv_import import parse_invoices

    companies = dict(db.session.execute(select(Company.tax_id, Company.id)).all())
    parsed = parse_invoices(csv_path.read_bytes())
    if parsed.errors:
        raise SystemExit(f"the generated file has errors: {parsed.errors[:3]}")
    if dialect == "sqlite":
        # What SQLAlchemy writes on SQLite: ISO text dates, amounts as floats.
        stamp = IMPORTED_AT.strftime("%Y-%m-%d %H:%M:%S.%f")
        return [
            (
                row.number,
                companies[row.tax_id],
                row.kind,
                row.issue_date.isoformat(),
                row.issue_date.replace(day=1).isoformat(),
                row.due_date.isoformat(),
                float(row.net_amount),
                row.currency,
                row.paid_date.isoformat() if row.paid_date else None,
                row.product_group,
                stamp,
                stamp,
            )
            for row in parsed.rows
        ]
    # COPY's text format: tab-separated, \N for NULL.
    stamp = IMPORTED_AT.isoformat()
    return [
        "\t".join(
            (
                row.number,
                str(companies[row.tax_id]),
                row.kind,
                row.issue_date.isoformat(),
                row.issue_date.replace(day=1).isoformat(),
                row.due_date.isoformat(),
                str(row.net_amount),
                row.currency,
                row.paid_date.isoformat() if row.paid_date else "\\N",
                row.product_group or "\\N",
                stamp,
                stamp,
            )
        )
        + "\n"
        for row in parsed.rows
    ]


def _floor(csv_path: Path) -> dict:
    from club.extensions import db

    dialect = db.engine.dialect.name
    rows = _table_rows(csv_path, dialect)
    result: dict = {"rss_before_mb": round(current_rss_mb(), 1)}
    clock = Clock(db.engine)
    columns = ", ".join(INVOICE_COLUMNS)
    raw = db.engine.raw_connection()  # the app's own connection set-up (PRAGMAs on SQLite)
    try:
        driver = raw.driver_connection
        if dialect == "sqlite":
            marks = ", ".join("?" * len(INVOICE_COLUMNS))
            started = clock.read()
            driver.execute("BEGIN IMMEDIATE")
            driver.executemany(f"INSERT INTO invoice ({columns}) VALUES ({marks})", rows)
            driver.execute("COMMIT")
            finished = clock.read()
            method = "executemany of ready tuples, one transaction"
        else:
            payload = "".join(rows).encode()
            del rows
            started = clock.read()
            statement = f"COPY invoice ({columns}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                step = 1 << 20
                for offset in range(0, len(payload), step):
                    copy.write(payload[offset : offset + step])
            driver.commit()
            finished = clock.read()
            method = "COPY FROM STDIN (psycopg), one transaction"
    finally:
        raw.close()
    db.session.rollback()  # a fresh snapshot: the load committed on another connection
    count = db.session.execute(db.text("SELECT count(*) FROM invoice")).scalar_one()
    result.update(Clock.spent(started, finished))
    result.update(
        peak_rss_mb=round(peak_rss_mb(), 1),
        created=count,
        method=method,
    )
    return result


def worker(mode: str, url: str, csv_path: Path, company_count: int) -> None:
    app = _app(url)
    with app.app_context():
        _set_up(company_count)
        measure = _full if mode == "full" else _floor
        result = measure(csv_path)
        from club.extensions import db

        db.session.remove()
        db.engine.dispose()
    print(json.dumps(result))


# --- the conductor ---------------------------------------------------------------------------


def _run_worker(mode: str, url: str, csv_path: Path, company_count: int) -> dict:
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            mode,
            "--url",
            url,
            "--csv",
            str(csv_path),
            "--companies",
            str(company_count),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the {mode} measurement failed on {url}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _measure(database: str, mode: str, workdir: Path, csv_path: Path, companies: int) -> dict:
    if database == "sqlite":
        path = workdir / f"{mode}.sqlite3"
        try:
            return _run_worker(mode, f"sqlite:///{path}", csv_path, companies)
        finally:
            for leftover in workdir.glob(f"{mode}.sqlite3*"):
                leftover.unlink()
    name = f"club_bench_{uuid.uuid4().hex[:12]}"
    with postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        return _run_worker(mode, url, csv_path, companies)
    finally:
        with postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            total_kb = int(meminfo.readline().split()[1])
        memory = f", {total_kb / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def _database_version(database: str) -> str:
    if database == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with postgres_admin() as admin:
        return "PostgreSQL " + admin.execute("SHOW server_version").fetchone()[0]


def _table(rows: int, results: list) -> str:
    """The results as a Markdown table, as the README shows them."""

    def cpu(measured: dict, key: str = "cpu_seconds") -> str:
        value = measured.get(key)
        return "n/a" if value is None else f"{value:.1f} s"

    def ratio(full: dict, floor: dict, key: str) -> str:
        if full.get(key) is None or not floor.get(key):
            return "n/a"
        return f"{full[key] / floor[key]:.1f}x"

    lines = [
        "| database | rows | import + close + awards | import / close / awards | peak memory "
        "| floor | ratio | CPU: full / floor (ratio) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for version, full, floor in results:
        lines.append(
            f"| {version} | {rows:,} | {full['seconds']:.1f} s "
            f"| {full['import_seconds']:.1f} s / {full['close_seconds']:.1f} s "
            f"/ {full['awards_seconds']:.1f} s "
            f"| {full['peak_rss_mb']:.0f} MB | {floor['seconds']:.1f} s "
            f"| {ratio(full, floor, 'seconds')} "
            f"| {cpu(full)} / {cpu(floor)} ({ratio(full, floor, 'cpu_seconds')}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=None, help="default: rows / 100")
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each N times, keep the fastest"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV")
    parser.add_argument("--worker", choices=["full", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    companies = args.companies or max(1, args.rows // 100)
    if args.worker:
        worker(args.worker, args.url, args.csv, companies)
        return

    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if "postgresql" in databases:
        admin = postgres_admin()
        if admin is None:
            if os.environ.get("CI") == "true":
                raise SystemExit(
                    f"PostgreSQL is required in CI but did not answer at {PG_ADMIN_URL}"
                )
            print(f"PostgreSQL skipped: no server at {PG_ADMIN_URL}")
            databases.remove("postgresql")
        else:
            admin.close()

    workdir = Path(tempfile.mkdtemp(prefix="club-bench-"))
    try:
        csv_path = workdir / "invoices.csv"
        started = time.perf_counter()
        make_invoices.write(csv_path, args.rows, make_invoices.companies(companies))
        size_mb = csv_path.stat().st_size / 2**20
        print(
            f"{args.rows:,} rows for {companies:,} companies: {size_mb:.0f} MB of CSV "
            f"in {time.perf_counter() - started:.1f} s ({_machine()})",
            flush=True,
        )
        results = []
        for database in databases:
            floor = full = None
            for _attempt in range(args.repeat):  # the best of each: others share the machine
                measured = _measure(database, "floor", workdir, csv_path, companies)
                print(f"{database} floor: {json.dumps(measured)}", flush=True)
                if floor is None or measured["seconds"] < floor["seconds"]:
                    floor = measured
                measured = _measure(database, "full", workdir, csv_path, companies)
                print(f"{database} full:  {json.dumps(measured)}", flush=True)
                if measured["created"] != args.rows or measured["months"] != companies:
                    raise SystemExit(f"{database}: the import did not save every row: {measured}")
                if full is None or measured["seconds"] < full["seconds"]:
                    full = measured
            results.append((_database_version(database), full, floor))
        print()
        print(_table(args.rows, results))
        if args.keep:
            kept = Path.cwd() / f"invoices-{args.rows}.csv"
            shutil.move(csv_path, kept)
            print(f"\nkept {kept}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
