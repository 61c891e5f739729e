"""`make bench`: the portal at national scale, measured through a real HTTP server.

Seeds PostgreSQL (database `tracker_bench_<SCALE>`, or BENCH_DATABASE_URL) to
BENCH_ITEMS items (`make bench SCALE=N`; default 100,000) if it has fewer, starts
gunicorn with BENCH_WORKERS workers (default 4) on loopback, and from this process (the
client) measures, after a warm-up, the median and p95 of BENCH_REQUESTS requests
(default 200) per page: the list with six views (default, force + open, report + stale,
text search, page 50, the last page, read from the far end of its index) as an inspector
and as a liaison officer, the Django admin changelist with the same filters, the list's
own SQL run straight through psycopg2 (the floor); the item page with 500 entries, each
role's home page, the national view of a finding across every recipient, each against
the admin's default changelist and its own floor; the public list and item pages, the
API list and an incremental sync, the CSV export of every item (time and the server's
peak memory), the reminder sweep, the parser, and throughput with 8 concurrent clients.
It prints a table and writes benchmarks/results.json (results-<SCALE>.json too). Every
request loop is bounded in count.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/tracker_bench_{ITEMS}"
)
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
CONCURRENT_SECONDS = float(os.environ.get("BENCH_CONCURRENT_SECONDS", "30"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARMUP = 20
MIN_REQUESTS = 20  # a measurement bounded in time still takes at least these
ADMIN_SECONDS = float(os.environ.get("BENCH_ADMIN_SECONDS", "30"))  # each admin measurement
ADMIN_PER_PAGE = 100  # recommendations.admin's list_per_page (Django's default)
PASSWORD = "bench-password-1"
PY = sys.executable
ENV = {**os.environ, "DATABASE_URL": DB_URL, "DJANGO_SETTINGS_MODULE": "tracker.settings.bench"}


def manage(*args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    return result.stdout


def ensure_database() -> None:
    import psycopg2

    parts = urllib.parse.urlparse(DB_URL)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def prepare() -> dict:
    ensure_database()
    manage("migrate", "--no-input", "-v0")
    os.environ.update(DATABASE_URL=DB_URL, DJANGO_SETTINGS_MODULE="tracker.settings.bench")
    import django

    django.setup()
    from devdata.seeding import seed
    from recommendations.models import TrackedItem

    have = TrackedItem.objects.count()
    seeded = None
    if have < ITEMS:
        started = time.perf_counter()
        result = seed(items=ITEMS - have, seed=1000 + have, recipients=True)
        seeded = {
            "items": result.items,
            "entries": result.entries,
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(
            f"seeded {result.items:,} items, {result.entries:,} entries in {seeded['seconds']}s",
            flush=True,
        )
    return {"seeded": seeded, **bench_fixtures()}


def bench_fixtures() -> dict:
    """Users for each viewpoint, and one item with 500 timeline entries."""
    import datetime as dt

    from django.db import connection
    from django.db.models import Count

    from forces.models import Force
    from forces.users import user_set_role
    from recommendations.models import InspectionReport, TimelineEntry, TrackedItem
    from recommendations.services import search_refresh

    busiest_row = (
        TrackedItem.objects.values("force__slug")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest_row is not None
    busiest = busiest_row["force__slug"]
    region = Force.objects.get(slug=busiest).region.slug
    for username, role, forces, region_slug in [
        ("bench-inspector", "inspector", [], None),
        ("bench-officer", "liaison-officer", [busiest], None),
        ("bench-lead", "liaison-lead", [busiest], None),
        ("bench-chief", "chief-of-staff", [], region),
        ("bench-admin", "admin", [], None),
    ]:
        user_set_role(
            username=username,
            role=role,
            force_slugs=forces,
            region_slug=region_slug,
            password=PASSWORD,
            email=f"{username}@example.org",
        )
    item = TrackedItem.objects.filter(force__slug=busiest).order_by("id").first()
    assert item is not None
    have = item.timeline.count()
    if have < 500:
        start = item.last_entry_on
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                item=item,
                date=start,
                position=1000 + n,
                kind="comment",
                text=f"Benchmark entry {n}: the force reports further progress.",
                author_name="Benchmark",
                event="comment",
                visibility="public" if n % 2 else "internal",
            )
            for n in range(500 - have)
        )
        search_refresh([item.pk])  # as the services do when they add entries
    with connection.cursor() as cursor:  # as autovacuum would have, on a live system
        cursor.execute("VACUUM ANALYZE")
    latest_national = (
        InspectionReport.objects.filter(kind="national")
        .order_by("-published")
        .values_list("slug", "id")
        .first()
    )
    assert latest_national is not None
    report, report_id = latest_national
    force_id = Force.objects.get(slug=busiest).pk
    # The national view (issue 16): the finding tracked by the most forces (44 at full
    # scale), and its report's page with the force × status matrix.
    widest = (
        TrackedItem.objects.values("finding_id", "finding__report__slug")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n", "finding_id")
        .first()
    )
    assert widest is not None
    open_items = TrackedItem.objects.filter(status__is_open=True).count()
    return {
        "last_page": max(1, -(-open_items // ADMIN_PER_PAGE)),
        "national_finding": widest["finding_id"],
        "national_finding_forces": widest["n"],
        "national_report": widest["finding__report__slug"],
        "force": busiest,
        "force_id": force_id,
        "report": report,
        "report_id": report_id,
        "item": item.pk,
        "stale_cutoff": (dt.date.today() - dt.timedelta(days=90)).isoformat(),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int = WORKERS) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "tracker.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=ENV,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


class Client:
    """One signed-in person, over plain HTTP/1.1 on loopback."""

    def __init__(self, port: int, username: str, admin: bool = False) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        login = "/admin/login/" if admin else "/accounts/login/"
        status, body = self.get(login)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert found is not None
        token = found.group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": "/"}
        )
        status, _ = self.request(
            "POST", login, form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, f"{username} could not sign in ({status})"

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body, {"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        conn.close()
        return response.status, data.decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def timed(self, path: str, n: int = REQUESTS, seconds: float | None = None) -> dict:
        """The median and p95 of n requests after WARMUP; with `seconds`, fewer once that
        long has passed (at least MIN_REQUESTS), so a page that takes seconds (the
        admin's text search at a million items) does not hold the run for an hour."""
        began = time.perf_counter()
        for index in range(WARMUP):
            if seconds is not None and index >= 2 and time.perf_counter() - began > seconds / 4:
                break
            self.get(path)
        times: list[float] = []
        began = time.perf_counter()
        for _ in range(n):
            if (
                seconds is not None
                and len(times) >= MIN_REQUESTS
                and time.perf_counter() - began > seconds
            ):
                break
            started = time.perf_counter()
            status, _ = self.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert status == 200, f"{path}: {status}"
        return summary(times)


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "n": len(times),
    }


def list_variants(fx: dict) -> dict[str, tuple[str, str]]:
    """name: (list URL, admin changelist URL with the same filter)."""
    admin = "/admin/recommendations/trackeditem/"
    open_in = "status__slug__in=awaiting-review,being-progressed"
    return {
        "default": ("/recommendations/", f"{admin}?{open_in}&o=5.1"),
        "force + open": (
            f"/recommendations/?force={fx['force']}&status=open",
            f"{admin}?force__id__exact={fx['force_id']}&{open_in}",
        ),
        "report + stale": (
            f"/recommendations/?report={fx['report']}&stale=yes",
            f"{admin}?finding__report__id__exact={fx['report_id']}"
            f"&status__slug__exact=being-progressed"
            f"&last_entry_on__lt={fx['stale_cutoff']}",
        ),
        "text search": (
            "/recommendations/?q=organised+crime&status=all",
            f"{admin}?q=organised+crime",
        ),
        "page 50": ("/recommendations/?page=50", f"{admin}?{open_in}&p=50"),
        # The admin's last page: its paginator's OFFSET, as Django's admin reads it.
        "last page": ("/recommendations/?page=last", f"{admin}?{open_in}&p={fx['last_page']}"),
    }


def page_row(client: Client, url: str, username: str, admin: dict) -> dict:
    """A page's median and p95, its own SQL floor, and its ratio to the admin's default
    changelist's median."""
    sql = captured_sql(url, username)
    row = {**client.timed(url), "floor": floor(sql), "queries": len(sql), **explain(sql)}
    row["ratio_admin"] = round(row["median_ms"] / admin["median_ms"], 2)
    row["ratio_floor"] = round(row["median_ms"] / max(row["floor"]["median_ms"], 0.01), 2)
    return row


def captured_sql(path: str, username: str) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient()
    client.force_login(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        declared = re.match(
            r'DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR (.*)', sql, re.DOTALL
        )
        if declared:  # Django's server-side cursor for an iterator(): run the query itself
            sql = declared.group(1)
        if sql.startswith(("FETCH", "CLOSE")):
            continue
        statements.append(sql)
    return statements


def floor(statements: list[str], n: int = REQUESTS) -> dict:
    import psycopg2

    parts = urllib.parse.urlparse(DB_URL)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        dbname=parts.path.lstrip("/"),
    )
    conn.autocommit = True
    times = []
    with conn.cursor() as cursor:
        for index in range(WARMUP + n):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            if index >= WARMUP:
                times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return summary(times)


def explain(statements: list[str]) -> dict:
    from django.db import connection

    scans = []
    with connection.cursor() as cursor:
        for sql in statements:
            if "recommendations_trackeditem" not in sql or not sql.startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            scans += re.findall(
                r"Seq Scan on (recommendations_(?:trackeditem|timelineentry))", plan
            )
    return {"seq_scans": sorted(set(scans))}


def csv_export(server: Server, client: Client) -> dict:
    pids = server.worker_pids()

    def rss(pid: int) -> int:
        text = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+)", text)
        assert found is not None
        return int(found.group(1))

    idle = {pid: rss(pid) for pid in pids}
    peak = dict(idle)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    status, body = client.get("/recommendations/export.csv?status=all")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    rows = body.count("\n") - 1
    growth = max(peak[p] - idle[p] for p in pids) / 1024
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_memory_growth_mb": round(growth, 1),
    }


def bulk_timing(n: int = 200) -> dict:
    """A bulk action over 200 items (views.bulk.BULK_MAX_ITEMS), applied as the confirm
    step applies it: item by item through the service, each in its own transaction. The
    comments are internal, and rolled back after (the data stays as it was for the next
    run; so the tasks queued on commit are not sent)."""
    import time

    from django.contrib.auth.models import User
    from django.db import transaction

    from recommendations import services
    from recommendations.models import TrackedItem

    admin = User.objects.get(username="bench-admin")
    items = list(TrackedItem.objects.order_by("-id")[:n])

    class Rollback(Exception):
        pass

    done, seconds = 0, 0.0
    try:  # each item a savepoint of its own; all rolled back after, as sweep() does
        with transaction.atomic():
            start = time.perf_counter()
            for item in items:
                with transaction.atomic():
                    services.comment_add(
                        item=item, by=admin, text="Benchmark bulk comment", visibility="internal"
                    )
                done += 1
            seconds = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return {
        "items": done,
        "seconds": round(seconds, 2),
        "per_item_ms": round(1000 * seconds / n, 1),
    }


def sweep() -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from recommendations import reminders
    from recommendations.models import TrackedItem
    from recommendations.selectors import stale_q

    stale = TrackedItem.objects.filter(stale_q()).count()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result, people = reminders.sweep()
            seconds = time.perf_counter() - started
            raise Rollback  # leave the data as it was, for the next run
    except Rollback:
        pass
    return {
        "stale_items": stale,
        "claimed": result.claimed,
        "seconds": round(seconds, 2),
        "queries": len(ctx.captured_queries),
    }


def throughput(ports: tuple[int, ...], path: str, clients: int = 8, per_client: int = 50) -> dict:
    """Requests a second from `clients` signed-in people at once, each request to the next
    of `ports` in turn, on the session the person signed in with on the first."""
    people = [Client(ports[0], "bench-inspector") for _ in range(clients)]

    def run(client: Client) -> int:
        failed = 0
        for n in range(per_client):
            client.port = ports[n % len(ports)]
            status, _ = client.get(path)
            failed += status != 200
        return failed

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        errors = sum(pool.map(run, people))
    seconds = time.perf_counter() - started
    return {
        "servers": len(ports),
        "workers_each": WORKERS,
        "clients": clients,
        "requests": clients * per_client,
        "requests_per_second": round(clients * per_client / seconds, 1),
        "errors": errors,
    }


def two_servers(first: Server, path: str) -> dict:
    """One step of scaling out: a second app server (its own gunicorn, as a second machine
    behind the proxy would run) beside the first, the same number of workers each, the
    clients' requests alternating between the two on sessions made by the first
    (sessions, caches and rate limits are in Redis, so either serves any request)."""
    second = Server()
    try:
        return throughput((first.port, second.port), path)
    finally:
        second.stop()


class Anonymous(Client):
    """A visitor of the public monitoring portal: no sign-in."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = {}


def timed_unique(client: Client, path: str, n: int = REQUESTS) -> dict:
    """Like Client.timed, each request with its own address (an extra parameter the page
    ignores), so none is answered from the public page cache: the uncached cost."""
    sep = "&" if "?" in path else "?"
    for i in range(WARMUP):
        client.get(f"{path}{sep}warm={i}")
    times = []
    for i in range(n):
        started = time.perf_counter()
        status, _ = client.get(f"{path}{sep}n={i}-{time.time_ns()}")
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path}: {status}"
    return summary(times)


def public_portal(port: int, fx: dict) -> dict:
    """The public monitoring portal (issue 15): the item page and a filtered list
    uncached, the item page cached, and 32 anonymous clients on the list for 30 s."""
    from recommendations.models import TrackedItem

    visitor = Anonymous(port)
    public_id = TrackedItem.objects.values_list("portal_id", flat=True).get(pk=fx["item"])
    item = f"/monitoring/{fx['force']}/{public_id}/"
    listing = f"/monitoring/?force={fx['force']}&status=being-progressed&q=progress"
    uncached = timed_unique(visitor, item)
    cached = visitor.timed(item)
    result = {
        "item_uncached": uncached,
        "item_cached": cached,
        "cached_speed_up": round(uncached["median_ms"] / max(cached["median_ms"], 0.01), 1),
        "list_filtered_uncached": timed_unique(visitor, listing),
        "list_concurrent": concurrent_anonymous(
            port, "/monitoring/", clients=32, seconds=CONCURRENT_SECONDS
        ),
    }
    return result


def concurrent_anonymous(port: int, path: str, clients: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds

    def run(_: int) -> tuple[int, int]:
        visitor = Anonymous(port)
        done = failed = 0
        while time.monotonic() < deadline:
            try:
                status = visitor.get(path)[0]
            except OSError:
                status = 0
            done += 1
            failed += status != 200
        return done, failed

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(run, range(clients)))
    elapsed = time.perf_counter() - started
    requests = sum(d for d, _ in outcomes)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "errors": sum(f for _, f in outcomes),
    }


class ApiClient(Client):
    """A program using the REST API with a personal token (no session)."""

    def __init__(self, port: int, username: str) -> None:
        from django.contrib.auth import get_user_model

        from api.services import token_create

        self.port = port
        self.cookies = {}
        user = get_user_model().objects.get(username=username)
        _, self.secret = token_create(user=user, name="bench", days=1)

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        auth = {"Authorization": f"Bearer {self.secret}", "Accept": "application/json"}
        return super().request(method, path, body, {**auth, **(headers or {})})


def api(port: int, fx: dict) -> dict:
    """The REST API (issue 17): the item list by default and filtered, and a full
    incremental sync of the busiest force, all its items page by page via the cursor."""
    client = ApiClient(port, "bench-inspector")
    default = "/api/v1/items/"
    filtered = f"/api/v1/items/?force={fx['force']}&status=open"
    result = {"default": client.timed(default), "filtered": client.timed(filtered)}
    path: str | None = (
        f"/api/v1/items/?force={fx['force']}&status=all"
        "&updated_since=2000-01-01T00:00:00Z&page_size=500"
    )
    pages = items = 0
    page_times = []
    started = time.perf_counter()
    while path:
        began = time.perf_counter()
        status, body = client.get(path)
        page_times.append((time.perf_counter() - began) * 1000)
        assert status == 200, f"{path}: {status}"
        data = json.loads(body)
        pages += 1
        items += len(data["results"])
        nxt = data["next"]
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    seconds = time.perf_counter() - started
    result["sync_one_force"] = {
        "force": fx["force"],
        "items": items,
        "pages": pages,
        "page_size": 500,
        "seconds": round(seconds, 2),
        "items_per_second": round(items / seconds, 1) if seconds else None,
        "page": summary(page_times),
    }
    return result


def main() -> None:
    fx = prepare()
    server = Server()
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "items": ITEMS,
        "workers": WORKERS,
        "requests_per_measurement": REQUESTS,
        "seed": fx["seeded"],
    }
    try:
        inspector = Client(server.port, "bench-inspector")
        officer = Client(server.port, "bench-officer")
        admin = Client(server.port, "bench-admin", admin=True)
        lists = {}
        for name, (url, admin_url) in list_variants(fx).items():
            print(f"measuring list: {name}", flush=True)
            sql = captured_sql(url, "bench-inspector")
            row = {
                "url": url,
                "inspector": inspector.timed(url),
                "officer": officer.timed(url),
                "admin": admin.timed(admin_url, seconds=ADMIN_SECONDS),
                "floor": floor(sql),
                "queries": len(sql),
                **explain(sql),
            }
            row["ratio_list_admin"] = round(
                row["inspector"]["median_ms"] / row["admin"]["median_ms"], 2
            )
            row["ratio_list_floor"] = round(
                row["inspector"]["median_ms"] / row["floor"]["median_ms"], 2
            )
            lists[name] = row
        results["list"] = lists
        print("measuring item page, home pages, the national view", flush=True)
        admin_default = lists["default"]["admin"]
        people = {
            "inspector": inspector,
            "officer": officer,
            "lead": Client(server.port, "bench-lead"),
            "chief": Client(server.port, "bench-chief"),
            "admin": Client(server.port, "bench-admin"),
        }
        results["item_page_500_entries"] = page_row(
            inspector, f"/recommendations/{fx['item']}/", "bench-inspector", admin_default
        )
        for name, client in people.items():
            results[f"dashboard_{name}"] = page_row(client, "/", f"bench-{name}", admin_default)
        results["finding_page"] = {
            "forces": fx["national_finding_forces"],
            **page_row(
                inspector, f"/findings/{fx['national_finding']}/", "bench-inspector", admin_default
            ),
        }
        results["report_page_matrix"] = inspector.timed(f"/reports/{fx['national_report']}/")
        results["bulk_200"] = bulk_timing()
        results["csv_export_all"] = csv_export(server, inspector)
        results["reminder_sweep"] = sweep()
        from benchmarks.parser import run as parser_run

        results["parser"] = parser_run(10_000)
        results["throughput"] = throughput((server.port,), list_variants(fx)["force + open"][0])
        print("measuring a second app server beside the first", flush=True)
        results["two_servers"] = two_servers(server, list_variants(fx)["force + open"][0])
        print("measuring the REST API", flush=True)
        results["api"] = api(server.port, fx)
        print("measuring the public monitoring portal", flush=True)
        results["public_portal"] = public_portal(server.port, fx)
    finally:
        server.stop()
    text = json.dumps(results, indent=2)
    (ROOT / "benchmarks" / "results.json").write_text(text)
    (ROOT / "benchmarks" / f"results-{ITEMS}.json").write_text(text)
    print_table(results)


def print_table(r: dict) -> None:
    print(
        f"\n{r['items']:,} items; {r['requests_per_measurement']} requests per measurement; "
        f"{r['machine']['cpus']} cores\n"
    )
    print(
        f"{'list page':16} {'inspector med/p95':>18} {'officer med/p95':>16} "
        f"{'admin med':>10} {'floor med':>10} {'list/admin':>10} {'list/floor':>10} seq scans"
    )
    for name, row in r["list"].items():
        print(
            f"{name:16} {row['inspector']['median_ms']:>8}/{row['inspector']['p95_ms']:<8} "
            f"{row['officer']['median_ms']:>7}/{row['officer']['p95_ms']:<8} "
            f"{row['admin']['median_ms']:>10} {row['floor']['median_ms']:>10} "
            f"{row['ratio_list_admin']:>10} {row['ratio_list_floor']:>10} "
            f"{', '.join(row['seq_scans']) or 'none'}"
        )
    for key in (
        "item_page_500_entries",
        *(k for k in r if k.startswith("dashboard_")),
        "finding_page",
    ):
        row = r[key]
        print(
            f"{key:30} median {row['median_ms']} ms, p95 {row['p95_ms']} ms, "
            f"floor {row['floor']['median_ms']} ms, /admin {row['ratio_admin']}, "
            f"/floor {row['ratio_floor']}, seq scans {', '.join(row['seq_scans']) or 'none'}"
        )
    row = r["report_page_matrix"]
    print(f"{'report_page_matrix':30} median {row['median_ms']} ms, p95 {row['p95_ms']} ms")
    print(f"bulk action over 200 items: {r['bulk_200']}")
    print(f"csv export: {r['csv_export_all']}")
    print(f"reminder sweep: {r['reminder_sweep']}")
    print(f"parser: {r['parser']}")
    print(f"throughput: {r['throughput']}")
    if "two_servers" in r:
        print(f"two app servers: {r['two_servers']}")
    api_results = r.get("api")
    if api_results:
        for key in ("default", "filtered"):
            row = api_results[key]
            print(
                f"api GET /api/v1/items/ {key:9} "
                f"median {row['median_ms']} ms, p95 {row['p95_ms']} ms"
            )
        print(f"api full sync of one force: {api_results['sync_one_force']}")
    public = r.get("public_portal")
    if public:
        for key in ("item_uncached", "item_cached", "list_filtered_uncached"):
            row = public[key]
            print(f"public {key:24} median {row['median_ms']} ms, p95 {row['p95_ms']} ms")
        print(f"public cached item page speed-up: {public['cached_speed_up']}x")
        print(f"public list, 32 anonymous clients: {public['list_concurrent']}")


if __name__ == "__main__":
    main()
