"""Leaderboard benchmark: boards and "my standing" at 100,000 people and 5M ledger entries.

    make bench-boards                                     # full size, both databases
    .venv/bin/python tests/benchmarks/bench_boards.py --people 10000   # a quick run

For each database (a SQLite file, and a throw-away PostgreSQL database when a server
answers at 127.0.0.1:5432; CLUB_TEST_PG_URL overrides, as for the tests):

1. build: boards_data.build() writes 10,000 companies, 100,000 people and about 5,000,000
   ledger entries over three years through the bulk path, with the rollups worked out
   by the leaderboard's own code as the entries are made (`--time-rebuild` also runs
   and times `club.leaderboard.rollups.rebuild`; `--check` runs `ledger verify`), then
   ANALYZE. On SQLite the built file is kept in $TMPDIR/club-bench-boards/ under a key
   made of the generator's, the models' and the rollups' code, and copied for each run;
   PostgreSQL gets a fresh database each run, dropped at the end.
2. server time, in process through the Flask test client, signed in as varied people:
   the people board, the company board (periods cycling month / quarter / year / all),
   the member home (which carries the "my standing" card) and the card alone;
3. throughput and latency under load: gunicorn (2 sync workers) and wrk, signed in with
   a session cookie, for the people board and for a bare page of the same layout with no
   queries (boards_app.py adds it to the benchmark's app only);
4. posting: ledger.earn with a person, in its own transaction, 2,000 times.

Nothing passes or fails on time; the results are printed as Markdown tables and as JSON
(--json FILE).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from postgres import PG_ADMIN_URL, postgres_admin  # noqa: E402

CACHE = Path(os.environ.get("CLUB_BENCH_CACHE", tempfile.gettempdir())) / "club-bench-boards"
CACHE_VERSION = "1"
SEED = 7
PASSWORD = "benchmark password"


# --- small helpers -------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(seconds: list[float]) -> dict:
    ms = [value * 1000 for value in seconds]
    return {
        "n": len(ms),
        "mean_ms": round(statistics.fmean(ms), 2),
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cache_key(people: int) -> str:
    """What the cached SQLite file depends on: the generator, the models, the rollups."""
    digest = hashlib.sha256(f"{CACHE_VERSION}:{people}:{SEED}".encode())
    sources = [HERE / "boards_data.py", ROOT / "club/leaderboard/rollups.py"]
    sources += sorted(ROOT.glob("club/*/models.py"))
    for source in sources:
        if source.exists():  # the code, not its layout or comments
            digest.update(ast.dump(ast.parse(source.read_text())).encode())
    return digest.hexdigest()[:16]


# --- worker: build -------------------------------------------------------------------------


def work_build(url: str, people: int, check: bool, time_rebuild: bool) -> dict:
    import boards_app
    import boards_data

    app = boards_app.make_app(url)
    from club.core.database import write_intent
    from club.extensions import db

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    result: dict = {}
    with app.app_context():
        db.create_all()
        result.update(boards_data.build(people, seed=SEED, log=log))
        if result.get("rollup_rows") is None or time_rebuild:
            # The leaderboard's own rebuild, over what was loaded.
            from club.leaderboard import rollups

            started = time.perf_counter()
            with write_intent():
                rebuilt = rollups.rebuild(db.session)
                db.session.commit()
            result["rebuild_seconds"] = round(time.perf_counter() - started, 1)
            result["rebuilt_rows"] = {"people": rebuilt.people, "companies": rebuilt.companies}
            log(f"  rollups.rebuild: {result['rebuild_seconds']} s {result['rebuilt_rows']}")
        # End the session's transaction first: on PostgreSQL an open one keeps VACUUM
        # from marking the pages loaded after it began all-visible (no index-only scans).
        db.session.rollback()
        result["analyze_seconds"] = boards_data.analyze(db.engine)
        if check:
            from club.ledger.verify import verify

            started = time.perf_counter()
            report = verify(db.session)  # balances, lots, allocations and the rollups
            result["verify_seconds"] = round(time.perf_counter() - started, 1)
            result["verify_problems"] = report.problems[:5]
            result["verify_problem_count"] = len(report.problems)
            log(f"  ledger verify: {len(report.problems)} problems {report.problems[:3]}")
        db.session.remove()
        db.engine.dispose()
    return result


# --- worker: measure -------------------------------------------------------------------------


def _sign_in(client, session_id: str) -> None:
    """What a sign-in leaves in the session (Flask-Login's keys)."""
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


def _sample_users(session, count: int, rng: random.Random) -> list:
    from sqlalchemy import select

    from club.members.models import User

    top = session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    users = []
    while len(users) < count:
        user = session.get(User, rng.randint(1, top))
        if user is not None and user.is_active and user.company_id is not None:
            users.append(user)
    return users


def _time_pages(app, pages: dict[str, list[str]], session_ids: list[str], rounds: int) -> dict:
    """Wall time around client.get, each request as another signed-in person. No app
    context is pushed here: each request gets its own, as in production."""
    results = {}
    for name, urls in pages.items():
        clients = []
        for session_id in session_ids:
            client = app.test_client()
            _sign_in(client, session_id)
            clients.append(client)
        for index in range(min(20, rounds)):  # warm-up: templates, caches, connections
            response = clients[index % len(clients)].get(urls[index % len(urls)])
            if response.status_code != 200:
                raise SystemExit(
                    f"{name}: {urls[index % len(urls)]} answered {response.status_code}"
                )
        times, sizes = [], []
        for index in range(rounds):
            client = clients[index % len(clients)]
            url = urls[index % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {response.status_code}")
            sizes.append(len(response.data))
        results[name] = {**summary_ms(times), "bytes": round(statistics.fmean(sizes))}
        print(f"  {name}: {json.dumps(results[name])}", file=sys.stderr, flush=True)
    return results


def _time_card(app, user_ids: list[int], rounds: int) -> dict:
    """The "my standing" card alone: its provider, in a request of its own."""
    from club.extensions import db
    from club.leaderboard.views import standing_card
    from club.members.models import User

    times = []
    for index in range(rounds + 20):
        with app.test_request_context("/"):
            user = db.session.get(User, user_ids[index % len(user_ids)])
            started = time.perf_counter()
            standing_card(user)
            spent = time.perf_counter() - started
        if index >= 20:
            times.append(spent)
    return summary_ms(times)


def _time_posts(app, posts: int, rng: random.Random) -> dict:
    """ledger.earn with a person, each in its own transaction, on the big database."""
    from sqlalchemy import event, func, select

    from club.core.database import write_intent
    from club.extensions import db
    from club.leaderboard.models import PersonTotal
    from club.leaderboard.rollups import ALL_TIME
    from club.ledger import services as ledger
    from club.members.models import User

    people = [(user.company_id, user.id) for user in _sample_users(db.session, 200, rng)]
    db.session.rollback()
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    service, total, per_post = [], [], []
    all_time = select(func.sum(PersonTotal.points)).where(PersonTotal.period == ALL_TIME)
    rollup_points_before = db.session.scalar(all_time) or 0
    db.session.rollback()
    points_posted = 0
    for index in range(posts + 50):
        company_id, person_id = people[index % len(people)]
        with write_intent():
            started = time.perf_counter()
            before = statements[0]
            wallet = ledger.wallet_for(db.session, company_id)
            user = db.session.get(User, person_id)
            begun = time.perf_counter()
            ledger.earn(
                db.session,
                wallet,
                100,
                source=ledger.Source("course", f"bench-{index}"),
                person=user,
                reason="Benchmark",
                idempotency_key=f"bench:{uuid.uuid4().hex}",
            )
            earned = time.perf_counter()
            db.session.commit()
            finished = time.perf_counter()
        if index >= 50:  # the first ones warm the caches
            service.append(earned - begun)
            total.append(finished - started)
            per_post.append(statements[0] - before)
            points_posted += 100
    event.remove(db.engine, "before_cursor_execute", count)
    result = {
        "earn": summary_ms(service),
        "with_commit": summary_ms(total),
        "statements_per_post": round(statistics.fmean(per_post), 1),
    }
    # Did every post reach the rollups (the warm-up posts included)?
    added = (db.session.scalar(all_time) or 0) - rollup_points_before
    result["rollups_updated"] = added == points_posted + 50 * 100
    db.session.rollback()
    return result


def _concurrent_posts(app, posters: int, posts: int, rng: random.Random) -> dict:
    """`posters` threads, each with its own connection, posting `posts` earnings in all
    (ledger.earn with a person, each in its own transaction) for random people: posts per
    second. Threads of one process: the Python part of each post holds the GIL, as it
    would hold one of the two cores in separate processes."""
    import threading

    from club.core.database import write_intent
    from club.extensions import db
    from club.ledger import services as ledger
    from club.members.models import User

    with app.app_context():
        people = [(user.company_id, user.id) for user in _sample_users(db.session, 200, rng)]
        db.session.remove()
    failures: list[str] = []
    start = threading.Barrier(posters + 1)

    def poster(number: int) -> None:
        with app.app_context():
            start.wait()
            for index in range(number, posts, posters):
                company_id, person_id = people[index % len(people)]
                try:
                    with write_intent():
                        ledger.earn(
                            db.session,
                            ledger.wallet_for(db.session, company_id),
                            100,
                            source=ledger.Source("course", f"bench-many-{index}"),
                            person=db.session.get(User, person_id),
                            reason="Benchmark",
                            idempotency_key=f"bench:{uuid.uuid4().hex}",
                        )
                        db.session.commit()
                except Exception as error:  # counted and reported, not hidden
                    db.session.rollback()
                    failures.append(type(error).__name__)
            db.session.remove()

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(posters)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "posters": posters,
        "posts": posts,
        "seconds": round(seconds, 2),
        "posts_per_second": round((posts - len(failures)) / seconds, 1),
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
    }


def _login_cookie(base: str, email: str) -> str:
    """Sign in through the login form, as a browser does; the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(data).encode(), timeout=30).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    name = next((name for name in cookies if name.endswith("club_session")), None)
    if name is None:
        raise SystemExit("signing in through the login form gave no session cookie")
    return f"{name}={cookies[name]}"


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "errors": %d, "non_2xx": %d, '
    .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _wrk(url: str, cookie: str, seconds: int, connections: int, script: Path) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result: {completed.stdout}\n{completed.stderr}")
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["requests_per_second"] = round(result["requests"] / result["seconds"], 1)
    return result


def _load(url: str, email: str, board_path: str, seconds: int, connections: int) -> dict:
    """gunicorn with two sync workers (one per core), wrk against it."""
    if shutil.which("wrk") is None:
        return {
            "skipped": "wrk is not installed (Debian: apt-get install -y wrk); "
            "the load measurement needs it"
        }
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CLUB_BENCH_URL": url}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(HERE),
            "--log-level",
            "warning",
            "boards_app:wsgi_app()",
        ],
        env=env,
        cwd=HERE,
    )
    workdir = Path(tempfile.mkdtemp(prefix="club-bench-wrk-"))
    try:
        for _attempt in range(300):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).read()  # noqa: S310 (ours)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        cookie = _login_cookie(base, email)
        script = workdir / "report.lua"
        script.write_text(WRK_SCRIPT)
        results = {}
        for name, path in (("bare", "/bench/bare"), ("board", board_path)):
            _wrk(base + path, cookie, 3, connections, script)  # warm-up, not kept
            results[name] = _wrk(base + path, cookie, seconds, connections, script)
            if results[name]["non_2xx"] or results[name]["errors"]:
                results[name]["warning"] = "errors or non-2xx answers"
            print(f"  load {name}: {json.dumps(results[name])}", file=sys.stderr, flush=True)
        results["ratio"] = round(
            results["board"]["requests_per_second"] / results["bare"]["requests_per_second"], 2
        )
        results["setup"] = (
            f"gunicorn 2 sync workers, wrk -t2 -c{connections} -d{seconds}s, one signed-in person"
        )
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def work_measure(url: str, rounds: int, posts: int, load_seconds: int, connections: int) -> dict:
    import boards_app

    app = boards_app.make_app(url)
    from club.extensions import db

    rng = random.Random(SEED + 1)
    result: dict = {}
    from club.core.database import write_intent
    from club.members.services import start_session

    with app.app_context(), write_intent():
        users = _sample_users(db.session, 200, rng)
        session_ids = [start_session(db.session, user) for user in users]  # server-side
        db.session.commit()
        user_ids = [user.id for user in users]
        email = users[0].email
        from club.leaderboard.services import this_month, this_quarter

        month, quarter = this_month(), this_quarter()
        db.session.remove()
    periods = [month.arg, quarter.arg, str(month.year), "all"]
    board_path = f"/leaderboards/?board=people&period={month.arg}"
    pages = {
        "people board": [f"/leaderboards/?board=people&period={p}" for p in periods],
        "company board": [f"/leaderboards/?board=companies&period={p}" for p in periods],
        "home (my standing card)": ["/"],
        "bare page": ["/bench/bare"],
    }
    # The score counts as the compact-board-scores job leaves them (every five minutes):
    # a kept PostgreSQL database still holds the changes the last run's posts made. Then
    # VACUUM, so that each run on a kept database starts as on a fresh build (the last
    # run's posts left dead rows and pages that index-only scans must check).
    from club.leaderboard.rollups import compact_scores

    with app.app_context(), write_intent():
        result["score_rows_folded"] = compact_scores(db.session)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
                raw.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
    result["load_average_before"] = _load_average()
    app.config["BOARD_CACHE_SECONDS"] = 0  # the boards read afresh, every request
    uncached = _time_pages(
        app, {f"{name}, no cache": pages[name] for name in BOARD_PAGES}, session_ids, rounds
    )
    app.config["BOARD_CACHE_SECONDS"] = CACHE_SECONDS
    result["pages"] = {**_time_pages(app, pages, session_ids, rounds), **uncached}
    result["cache"] = _cache_store(app)
    card = _time_card(app, user_ids, rounds)
    if card is not None:
        result["pages"]["my standing card alone"] = card
        print(f"  card alone: {json.dumps(card)}", file=sys.stderr, flush=True)
    result["load"] = _load(url, email, board_path, load_seconds, connections)
    with app.app_context():
        result["posting"] = _time_posts(app, posts, rng)
        print(f"  posting: {json.dumps(result['posting'])}", file=sys.stderr, flush=True)
        db.session.remove()
    result["posting"]["concurrent"] = _concurrent_posts(app, POSTERS, posts, rng)
    print(f"  {POSTERS} posters: {json.dumps(result['posting']['concurrent'])}", file=sys.stderr)
    with app.app_context():
        db.engine.dispose()
    result["load_average_after"] = _load_average()
    return result


BOARD_PAGES = ("people board", "company board")
CACHE_SECONDS = 5  # the default BOARD_CACHE_SECONDS
POSTERS = 8


def _cache_store(app) -> str:
    from club.core.shared_cache import cache

    with app.app_context():
        return "Redis" if cache().redis is not None else "process memory"


def _redis_for_the_run() -> None:
    """The boards' cache in Redis when one answers (REDIS_URL, else 127.0.0.1:6379), under
    keys of this run's own (others may share the server); else each process's memory."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        os.environ.pop("REDIS_URL", None)
        return
    os.environ["REDIS_URL"] = url
    os.environ["CACHE_KEY_PREFIX"] = f"club-bench-{os.getpid()}:"


def _load_average() -> str:
    """The machine's 1, 5 and 15-minute load averages: a shared machine shows here."""
    try:
        with open("/proc/loadavg") as loadavg:
            return " ".join(loadavg.read().split()[:3])
    except OSError:
        return "n/a"


# --- the conductor ----------------------------------------------------------------------------


def _run(args: list[str]) -> dict:
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise SystemExit(f"the worker failed: {' '.join(args[:2])}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _sqlite_database(
    people: int, workdir: Path, use_cache: bool, flags: list[str]
) -> tuple[str, dict]:
    """A copy of the cached built file (built first when missing)."""
    key = cache_key(people)
    cached = CACHE / f"club-{people}-{key}.sqlite3"
    built: dict = {}
    if not (use_cache and cached.exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(f"club-{people}-*"):
            old.unlink()
        building = CACHE / f"building-{os.getpid()}.sqlite3"
        print(f"sqlite: building {cached}", flush=True)
        built = _run(
            ["--worker", "build", "--url", f"sqlite:///{building}", "--people", str(people), *flags]
        )
        for leftover in CACHE.glob(f"building-{os.getpid()}.sqlite3-*"):
            leftover.unlink()
        building.rename(cached)
        (cached.parent / (cached.name + ".json")).write_text(json.dumps(built))
    else:
        built = json.loads((cached.parent / (cached.name + ".json")).read_text())
        built["cached"] = str(cached)
        print(f"sqlite: using the cached {cached}", flush=True)
    copy = workdir / "club.sqlite3"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}", built


def _postgresql(people: int, keep: bool, flags: list[str], measure: list[str]) -> dict:
    """Build a database and measure it: a throw-away one, dropped at the end, or with
    `keep` one named after the cache key, kept for the next run (the build's results
    are stored as the database's comment)."""
    if keep:
        name = f"club_bench_boards_{people}_{cache_key(people)}"
    else:
        name = f"club_bench_boards_{os.getpid()}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with postgres_admin() as admin:
        stored = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    if keep and stored and stored[0]:
        print(f"postgresql: using the kept {name}", flush=True)
        built = {**json.loads(stored[0]), "kept": name}
        return {"build": built, **_run([*measure, "--url", url])}
    with postgres_admin() as admin:
        if keep:  # drop older kept builds of this size
            for (old,) in admin.execute(
                # starts_with, not LIKE: there "_" matches any character, so the
                # 10,000-person prefix matched the kept 100,000-person database too
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                (f"club_bench_boards_{people}_",),
            ).fetchall():
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print(f"postgresql: building {name}", flush=True)
        built = _run(["--worker", "build", "--url", url, "--people", str(people), *flags])
        if keep:
            with postgres_admin() as admin:
                comment = json.dumps(built).replace("'", "''")
                admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
        return {"build": built, **_run([*measure, "--url", url])}
    finally:
        if not keep:
            with postgres_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _versions() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    versions = {
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    admin = postgres_admin()
    if admin is not None:
        with admin:
            versions["postgresql"] = admin.execute("SHOW server_version").fetchone()[0]
    return versions


def _tables(results: dict) -> str:
    lines = [
        "| database | build | rebuild | people board p50 / p95 (cached top / no cache) "
        "| company board p50 / p95 (cached top / no cache) | home p50 / p95 | card p50 / p95 "
        "| bare page p50 / p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def pair(page: dict | None) -> str:
        return "n/a" if page is None else f"{page['p50_ms']:.1f} / {page['p95_ms']:.1f} ms"

    for name, result in results.items():
        pages, built = result.get("pages", {}), result["build"]
        rebuild = built.get("rebuild_seconds")
        boards = [
            f"{pair(pages.get(page))}; {pair(pages.get(f'{page}, no cache'))}"
            for page in BOARD_PAGES
        ]
        lines.append(
            f"| {name} | {built['load_seconds']:.0f} s | "
            f"{'n/a' if rebuild is None else f'{rebuild:.0f} s'} | {' | '.join(boards)} | "
            f"{pair(pages.get('home (my standing card)'))} | "
            f"{pair(pages.get('my standing card alone'))} | {pair(pages.get('bare page'))} |"
        )
    lines += [
        "",
        "| database | board req/s | board p95 | bare req/s | bare p95 | ratio "
        f"| earn mean / p95 | earn + commit mean / p95 | statements | posts/s, {POSTERS} posters |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        load, post = result.get("load", {}), result.get("posting", {})
        if "board" in load:
            board, bare = load["board"], load["bare"]
            loaded = (
                f"{board['requests_per_second']:.0f} | {board['p95_ms']:.0f} ms | "
                f"{bare['requests_per_second']:.0f} | {bare['p95_ms']:.0f} ms | {load['ratio']:.2f}"
            )
        else:
            loaded = "n/a | n/a | n/a | n/a | n/a"
        if post:
            many = post.get("concurrent", {})
            posting = (
                f"{post['earn']['mean_ms']:.2f} / {post['earn']['p95_ms']:.2f} ms | "
                f"{post['with_commit']['mean_ms']:.2f} / {post['with_commit']['p95_ms']:.2f} ms | "
                f"{post['statements_per_post']} | "
                f"{many.get('posts_per_second', 'n/a')}"
                + (f" ({many['failures']} failed)" if many.get("failures") else "")
            )
        else:
            posting = "n/a | n/a | n/a | n/a"
        lines.append(f"| {name} | {loaded} | {posting} |")
    loads = [
        f"{name}: {result.get('load_average_before', 'n/a')} before, "
        f"{result.get('load_average_after', 'n/a')} after; board cache: {result.get('cache')}"
        for name, result in results.items()
    ]
    return "\n".join([*lines, "", "Load averages (1, 5, 15 min): " + "; ".join(loads)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people", type=int, default=100_000, help="companies: a tenth; entries: 50 each"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--posts", type=int, default=2_000, help="timed ledger.earn calls")
    parser.add_argument("--load-seconds", type=int, default=15, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--no-cache", action="store_true", help="rebuild the SQLite file")
    parser.add_argument(
        "--keep-postgresql",
        action="store_true",
        help="keep the built PostgreSQL database (named after the cache key) and reuse it",
    )
    parser.add_argument(
        "--check", action="store_true", help="run ledger verify (rollups included) after the build"
    )
    parser.add_argument(
        "--time-rebuild",
        action="store_true",
        help="also run and time club.leaderboard.rollups.rebuild after the load",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "build":
        print(json.dumps(work_build(args.url, args.people, args.check, args.time_rebuild)))
        return
    if args.worker == "measure":
        print(
            json.dumps(
                work_measure(
                    args.url, args.requests, args.posts, args.load_seconds, args.connections
                )
            )
        )
        return

    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if "postgresql" in databases and postgres_admin() is None:
        if os.environ.get("CI") == "true":
            raise SystemExit(f"PostgreSQL is required in CI but did not answer at {PG_ADMIN_URL}")
        print(f"PostgreSQL skipped: no server at {PG_ADMIN_URL}")
        databases.remove("postgresql")
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: the load measurement (throughput, board / bare ratio) is "
            "skipped. On Debian: apt-get install -y wrk"
        )
    versions = _versions()
    _redis_for_the_run()
    versions["board cache"] = "Redis" if os.environ.get("REDIS_URL") else "process memory"
    print(f"machine: {json.dumps(versions)}", flush=True)
    measure = [
        "--worker",
        "measure",
        "--requests",
        str(args.requests),
        "--posts",
        str(args.posts),
        "--load-seconds",
        str(args.load_seconds),
        "--connections",
        str(args.connections),
    ]
    flags = ["--check"] * args.check + ["--time-rebuild"] * args.time_rebuild
    results: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="club-bench-boards-"))
    try:
        for database in databases:
            if database == "sqlite":
                url, built = _sqlite_database(args.people, workdir, not args.no_cache, flags)
                label = f"SQLite {versions['sqlite']}"
                try:
                    results[label] = {"build": built, **_run([*measure, "--url", url])}
                finally:
                    for leftover in workdir.glob("club.sqlite3*"):
                        leftover.unlink()
                continue
            label = f"PostgreSQL {versions.get('postgresql', '')}".strip()
            results[label] = _postgresql(args.people, args.keep_postgresql, flags, measure)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(_tables(results))
    output = {"machine": versions, "people": args.people, "results": results}
    print()
    print(json.dumps(output))
    if args.json:
        args.json.write_text(json.dumps(output, indent=2))


if __name__ == "__main__":
    main()
