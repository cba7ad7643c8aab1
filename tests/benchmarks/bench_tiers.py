"""Tier requalification benchmark: 10,000 member companies with a year of purchase months.

    make bench-tiers                                      # both databases
    .venv/bin/python tests/benchmarks/bench_tiers.py --companies 2000   # a quick run

For SQLite (a file in a temporary directory) and PostgreSQL (a throw-away database on
127.0.0.1:5432; CLUB_TEST_PG_URL overrides; skipped when no server answers), on a fresh
database: the schema, the default tiers, N member companies and 12 closed purchase months
each (confirmed points skewed so that most are Member, some Silver, a few Gold), none of
it timed. Then the monthly job `club.jobs.requalify_companies` (the figures query,
requalification, commit), timed four times:

1. first: every company gets its first tier (N updates, N history rows);
2. again: the same day once more, nothing changes (idempotent);
3. next month: the window drops its oldest month and adds a new one; some move up, some
   get a pending drop (the account-holder warning mail is not part of this: the
   benchmark's companies have no people);
4. after the grace period: three months without purchases, the pending drops happen.

Nothing passes or fails on time; results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from postgres import PG_ADMIN_URL, postgres_admin  # noqa: E402

FIRST_MONTH = date(2025, 12, 1)  # twelve months: December 2025 to November 2026
SCENARIOS = (
    ("first", date(2026, 12, 1)),
    ("again", date(2026, 12, 1)),
    ("next month", date(2027, 1, 1)),
    ("after the grace period", date(2027, 4, 1)),
)


def _app(url: str):
    from club import create_app

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


def _months(company_ids: list[int], periods: list[date], rng: random.Random) -> list[dict]:
    rows = []
    for company_id in company_ids:
        # A company's usual month: Pareto-skewed, about 60% Member, 30% Silver, 10% Gold.
        usual = min(int(8 * rng.paretovariate(1.3)), 400)
        for period in periods:
            points = max(0, int(usual * rng.uniform(0.4, 1.6)))
            rows.append(
                {
                    "company_id": company_id,
                    "period": period,
                    "currency": "PLN",
                    "rate": 500,
                    "grace_days": 7,
                    "multiplier_percent": 100,
                    "net_total": points * 500,
                    "earned": points,
                    "confirmed": points,
                    "closed_at": datetime(2026, 12, 1, tzinfo=UTC),
                }
            )
    return rows


def _set_up(count: int) -> list[int]:
    from sqlalchemy import insert, select

    from club.core.periods import add_months
    from club.extensions import db
    from club.members.models import Company, MembershipStatus
    from club.members.tiers import ensure_default_tiers
    from club.purchases.models import PurchaseMonth

    db.create_all()
    ensure_default_tiers(db.session)
    db.session.execute(
        insert(Company),
        [
            {
                "name": f"Firma {number}",
                "tax_id": f"{7_000_000_000 + number}",
                "country": "PL",
                "status": MembershipStatus.MEMBER,
                "joined_on": date(2025, 1, 1),
            }
            for number in range(count)
        ],
    )
    ids = list(db.session.scalars(select(Company.id).order_by(Company.id)))
    periods = [add_months(FIRST_MONTH, index) for index in range(12)]
    rows = _months(ids, periods, random.Random(2026))
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(PurchaseMonth), rows[start : start + 20_000])
    db.session.commit()
    return ids


def _add_december(ids: list[int]) -> None:
    """December 2026's months, before the January requalification: not timed."""
    from sqlalchemy import insert

    from club.extensions import db
    from club.purchases.models import PurchaseMonth

    rows = _months(ids, [date(2026, 12, 1)], random.Random(12))
    db.session.execute(insert(PurchaseMonth), rows)
    db.session.commit()


def run(url: str, count: int) -> list[tuple[str, float, int]]:
    from sqlalchemy import func, select

    from club.core.database import write_intent
    from club.extensions import db
    from club.jobs import requalify_companies
    from club.members.models import TierChange

    app = _app(url)
    results = []
    with app.app_context():
        ids = _set_up(count)
        for name, day in SCENARIOS:
            if name == "next month":
                _add_december(ids)
            with write_intent():
                started = time.perf_counter()
                changed = requalify_companies(
                    db.session, now=datetime.combine(day, datetime.min.time(), UTC).replace(hour=1)
                )
                db.session.commit()
                results.append((name, time.perf_counter() - started, changed))
        history = db.session.scalar(select(func.count()).select_from(TierChange))
        results.append(("history rows", 0.0, history))
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    args = parser.parse_args()
    print(
        f"{date.today()}: {args.companies:,} companies; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    targets = []
    with tempfile.TemporaryDirectory(prefix="club-bench-tiers-") as folder:
        targets.append(("SQLite", f"sqlite:///{Path(folder) / 'tiers.db'}", None))
        admin = postgres_admin()
        if admin is None:
            print("PostgreSQL: no server answers; skipped")
        else:
            name = f"club_bench_tiers_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            targets.append(("PostgreSQL", f"{base}/{name}", name))
        print("\n| database | run | seconds | companies changed |\n|---|---|---:|---:|")
        try:
            for label, url, _name in targets:
                for run_name, seconds, changed in run(url, args.companies):
                    shown = f"{seconds:.2f}" if run_name != "history rows" else ""
                    print(f"| {label} | {run_name} | {shown} | {changed:,} |")
        finally:
            for _label, _url, name in targets:
                if name is not None:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
