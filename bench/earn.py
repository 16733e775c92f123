"""The earn benchmark: POS API purchases through gunicorn on the generated data.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
    python bench/earn.py [--seconds 20] [--server gthread:2x4]

Needs the database `bench/generate.py` filled and Debian's `wrk` and `pgbench`.
In one run it:

1. counts the SQL statements of one purchase (the service alone and the
   whole API request, in process, with CaptureQueriesContext);
2. creates a terminal for S001 and starts gunicorn (config.wsgi) on
   loopback, DEBUG off, plain http;
3. drives `POST /api/v1/purchases` with 1, 8 and 32 concurrent clients (wrk,
   closed loop, keep-alive where the worker class allows it: sync workers
   close every connection; unique receipt numbers, random members from a
   sample of the generated ones, a fifth of those with points to spare
   paying 100 points), then 8 clients on one hot member, then
   `GET /api/v1/members/{card}` and `/{phone}` with 1 and 8 clients; latency
   is measured by the client on loopback, so it includes HTTP and wrk, not
   only the server;
4. samples the RSS (and PSS) of gunicorn's master and workers throughout;
5. runs `pgbench -b tpcb-like -c 8 -j 2` on the same database (its tables
   are created with `pgbench -i` and dropped afterwards) and reports the
   ratio of purchases/s at 8 clients to pgbench's transactions/s.

The report (markdown) goes to stdout and bench/out/. `--sweep` instead
compares gunicorn settings on the purchase runs alone (`--clients 8` for one).
"""

import argparse
import datetime
import http.client
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
LUA = REPO / "bench" / "earn.lua"
PGBENCH_TABLES = "pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers"
# The production settings a real deployment runs with, but plain http on
# loopback (no TLS terminator in front of gunicorn here).
SERVER_ENV = {
    "DEBUG": "off",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> "ServerConfig":
        """`sync:4` (4 sync workers) or `gthread:2x4` (2 workers, 4 threads)."""
        kind, _, size = text.partition(":")
        if kind not in ("sync", "gthread") or not size:
            raise argparse.ArgumentTypeError(f"{text!r}: use sync:N or gthread:NxT")
        workers, _, threads = size.partition("x")
        return cls(kind, int(workers), int(threads or 1))

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"sync:{self.workers}"
        return f"gthread:{self.workers}x{self.threads}"


@dataclass
class Result:
    scenario: str
    clients: int
    seconds: float
    requests: int
    statuses: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    peak_rss_mib: float
    peak_pss_mib: float
    expected_status: int
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return self.statuses.get(str(self.expected_status), 0)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.requests - self.ok + self.socket_errors

    def cpu_ms(self, part: str) -> float:
        """CPU milliseconds per request spent by `part`."""
        return self.cpu.get(part, 0.0) * 1000 / max(self.requests, 1)


# --- the server ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    config: ServerConfig
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Any = None

    def start(self, database_url: str, settings: str = "config.settings") -> None:
        env = {
            **os.environ,
            **SERVER_ENV,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": settings,
            # A real key, new for each run: nothing signed outlives the run.
            "SECRET_KEY": secrets.token_urlsafe(50),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.config.workers),
            "--worker-class",
            self.config.worker_class,
            "--threads",
            str(self.config.threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ]
        self.log = (OUT / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {OUT / 'gunicorn.log'}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, 2)
                connection.request("GET", "/api/v1/openapi.json")
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        self.log.close()


# --- memory ------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _kib(path: str, label: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class MemorySampler:
    """Peak Σ RSS and Σ PSS of a process and its children, sampled every 0.2 s.

    RSS counts pages the forked workers share once per worker; PSS splits
    them, so it is the fairer "memory this server costs".
    """

    pid: int
    peak_rss_kib: int = 0
    peak_pss_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "MemorySampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            pids = [self.pid, *_children(self.pid)]
            rss = sum(_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
            pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
            self.peak_rss_kib = max(self.peak_rss_kib, rss)
            self.peak_pss_kib = max(self.peak_pss_kib, pss)
            if self._stop.wait(0.2):
                return


_RUNS = itertools.count(1)


# --- CPU ----------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def _database_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


class CpuMeter:
    """CPU spent during a run by the app server, its database backends, the
    load generator, and the machine as a whole (other people's work included).

    The database's backends are those connected when the run starts (the
    workers keep their connections), so a connection opened mid-run is missed.
    """

    def __init__(self, server_pid: int) -> None:
        self.server = [server_pid, *_children(server_pid)]
        self.backends = _database_backends()
        self.start = self._sample()

    def _sample(self) -> dict[str, float]:
        import resource

        busy, total = _machine_cpu()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "app": sum(_process_cpu(pid) for pid in self.server),
            "db": sum(_process_cpu(pid) for pid in self.backends),
            "wrk": children.ru_utime + children.ru_stime,
            "machine busy": busy,
            "machine": total,
        }

    def stop(self) -> dict[str, float]:
        end = self._sample()
        return {part: end[part] - self.start[part] for part in end}


# --- load ----------------------------------------------------------------------------------
def run_wrk(
    *,
    server: Server,
    scenario: str,
    mode: str,
    clients: int,
    seconds: int,
    env: dict[str, str],
    hot: str = "",
) -> Result:
    assert server.process is not None
    # Every wrk run gets its own receipt prefix: a repeated receipt would be
    # an idempotent replay, not a purchase.
    run = f"{env['BENCH_RUN']}-{next(_RUNS)}"
    command = [
        "wrk",
        "-t",
        "1",  # one event loop drives 32 connections; the cores serve them
        "-c",
        str(clients),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{server.port}",
    ]
    wrk_env = {**os.environ, **env, "BENCH_MODE": mode, "BENCH_RUN": run}
    wrk_env["BENCH_HOT"] = hot
    cpu = CpuMeter(server.process.pid)
    with MemorySampler(server.process.pid) as memory:
        completed = subprocess.run(
            command,
            env=wrk_env,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    spent = cpu.stop()
    line = next(
        (ln for ln in completed.stdout.splitlines() if ln.startswith("WRKJSON ")),
        None,
    )
    if line is None:
        raise SystemExit(f"wrk printed no figures:\n{completed.stdout}")
    figures = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        scenario=scenario,
        clients=clients,
        seconds=figures["duration_us"] / 1e6,
        requests=figures["requests"],
        statuses=figures["statuses"],
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        socket_errors=figures["connect_errors"]
        + figures["read_errors"]
        + figures["write_errors"]
        + figures["timeouts"],
        peak_rss_mib=memory.peak_rss_kib / 1024,
        peak_pss_mib=memory.peak_pss_kib / 1024,
        expected_status=201 if mode == "purchase" else 200,
        cpu=spent,
    )


# --- data ----------------------------------------------------------------------------------
def sample_members(path: Path, count: int, seed: int) -> tuple[int, str]:
    """Write `count` random members as "card phone pay" lines; return the
    number of members and a hot member's card."""
    from django.db import connection

    from members.models import Member
    from members.phones import national_phone

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM members_member")
        (highest,) = cursor.fetchone()
    rng = random.Random(seed)
    ids = rng.sample(range(1, highest + 1), min(count, highest))
    rows = Member.objects.filter(pk__in=ids, status=Member.Status.ACTIVE).values_list(
        "card_no", "phone", "balance"
    )
    lines = []
    for card_no, phone, balance in rows:
        # Enough points that 100 more stay payable however often it is drawn.
        pay = 1 if balance >= 5000 else 0
        lines.append(f"{card_no} {national_phone(phone)} {pay}\n")
    lines.sort()
    rng.shuffle(lines)
    path.write_text("".join(lines))
    return highest, lines[0].split()[0]


def create_terminal() -> tuple[Any, str]:
    from members.models import Store
    from points.terminals import terminal_create

    store = Store.objects.get(code="S001")
    return terminal_create(store=store, name="bench " + time.strftime("%H%M%S"))


# --- statements per purchase --------------------------------------------------------------
_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"')


def describe(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
        return verb
    tables = _TABLE.findall(sql)
    lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
    return f"{verb} {tables[0] if tables else '?'}{lock}"


def count_statements(terminal: Any, key: str, run: str) -> dict[str, Any]:
    """One purchase through the service, and one through the API, counted."""
    from decimal import Decimal

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import Member
    from points.services import purchase_record

    members = list(
        Member.objects.filter(balance__gte=5000, status=Member.Status.ACTIVE)
        .order_by("-id")
        .values_list("pk", flat=True)[:3]
    )
    found: dict[str, Any] = {}
    plain = Member.objects.get(pk=members[0])
    with CaptureQueriesContext(connection) as service:
        purchase_record(
            store=terminal.store,
            receipt_no=f"{run}-sql-1",
            member=plain,
            amount=Decimal("123.45"),
            terminal=terminal,
        )
    found["service"] = service.captured_queries
    paying = Member.objects.get(pk=members[1])
    with CaptureQueriesContext(connection) as service_pay:
        purchase_record(
            store=terminal.store,
            receipt_no=f"{run}-sql-2",
            member=paying,
            amount=Decimal("300.00"),
            points_used=100,
            terminal=terminal,
        )
    found["service, paying 100 points"] = service_pay.captured_queries
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    api_member = Member.objects.get(pk=members[2])
    body = {"receipt_no": f"{run}-sql-3", "member": api_member.card_no, "amount": "88"}
    with CaptureQueriesContext(connection) as api:
        response = client.post(
            "/api/v1/purchases", body, content_type="application/json"
        )
    if response.status_code != 201:
        raise SystemExit(
            f"API purchase answered {response.status_code}: {response.content!r}"
        )
    found["API request"] = api.captured_queries
    with CaptureQueriesContext(connection) as lookup:
        client.get(f"/api/v1/members/{api_member.card_no}")
    found["API lookup by card"] = lookup.captured_queries
    return found


def statements_markdown(found: dict[str, Any]) -> str:
    lines = ["| path | statements | which |", "|---|---:|---|"]
    for label, queries in found.items():
        kinds = Counter(describe(query["sql"]) for query in queries)
        which = ", ".join(
            f"{kind} ×{count}" if count > 1 else kind for kind, count in kinds.items()
        )
        lines.append(f"| {label} | {len(queries)} | {which} |")
    return "\n".join(lines)


# --- pgbench --------------------------------------------------------------------------------
def run_pgbench(database: dict[str, Any], clients: int, seconds: int) -> dict[str, Any]:
    env = {**os.environ}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if database.get(key):
            env[variable] = str(database[key])
    name = database["NAME"]
    started = time.monotonic()
    try:
        subprocess.run(
            ["pgbench", "-i", "-s", "10", "-q", name],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        init_seconds = time.monotonic() - started
        completed = subprocess.run(
            [
                "pgbench",
                "-b",
                "tpcb-like",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                name,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=True,
        )
    finally:
        subprocess.run(
            ["psql", "-X", "-q", "-c", f"DROP TABLE IF EXISTS {PGBENCH_TABLES}", name],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
    tps = re.search(
        r"tps = ([\d.]+) \(without initial connection time\)", completed.stdout
    )
    latency = re.search(r"latency average = ([\d.]+) ms", completed.stdout)
    if tps is None:
        raise SystemExit(f"pgbench printed no tps:\n{completed.stdout}")
    return {
        "tps": float(tps.group(1)),
        "latency_ms": float(latency.group(1)) if latency else None,
        "clients": clients,
        "seconds": seconds,
        "init_seconds": init_seconds,
    }


# --- report ----------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
            "('members_member', 'points_ledgerentry', 'points_purchase', 'points_lot')"
        )
        rows = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone()
    memory = _kib("/proc/meminfo", "MemTotal:") / 1024 / 1024
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "postgres": postgres,
        "rows": rows,
        "database_size": size,
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def results_markdown(results: list[Result]) -> str:
    lines = [
        "| scenario | clients | requests | ok/s | p50 ms | p90 ms | p99 ms | max ms "
        "| errors | peak RSS MiB (PSS) | CPU ms/req app + db | machine busy "
        "(others) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        machine = result.cpu.get("machine", 0.0) or 1.0
        busy = result.cpu.get("machine busy", 0.0)
        ours = sum(result.cpu.get(part, 0.0) for part in ("app", "db", "wrk"))
        lines.append(
            f"| {result.scenario} | {result.clients} | {result.requests:,} "
            f"| {result.per_second:,.0f} | {result.p50_ms:.1f} | {result.p90_ms:.1f} "
            f"| {result.p99_ms:.1f} | {result.max_ms:.0f} | {result.errors} "
            f"| {result.peak_rss_mib:.0f} ({result.peak_pss_mib:.0f}) "
            f"| {result.cpu_ms('app'):.1f} + {result.cpu_ms('db'):.1f} "
            f"| {busy / machine:.0%} ({max(busy - ours, 0) / machine:.0%}) |"
        )
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------
def prepare(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.update(SERVER_ENV)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        raise SystemExit("bench/earn.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to the database bench/generate.py filled.")
    for tool in ("wrk", "pgbench", "psql"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing: apt-get install wrk postgresql-client"
            )
    from members.models import Member

    if not Member.objects.exists():
        raise SystemExit("No members: run bench/generate.py first.")
    return database


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    database = prepare(args)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().astimezone()
    run = "B" + stamp.strftime("%Y%m%d%H%M%S")
    load_before = loadavg()
    members_file = OUT / "members.txt"
    highest, hot_card = sample_members(members_file, args.sample, args.seed)
    terminal, key = create_terminal()
    env = {"BENCH_KEY": key, "BENCH_MEMBERS": str(members_file), "BENCH_RUN": run}
    print(f"{run}: {highest:,} members; load average {load_before}", flush=True)

    if args.sweep:
        sweep(args, env)
        return

    found = count_statements(terminal, key, run)
    from django.db import connections

    connections.close_all()
    server = Server(args.server, free_port())
    server.start(os.environ["DATABASE_URL"], args.settings)
    results: list[Result] = []
    try:
        # Warm the workers' connections, code paths and the database's cache.
        run_wrk(
            server=server,
            scenario="warm-up",
            mode="purchase",
            clients=8,
            seconds=args.warmup,
            env=env,
        )
        for clients in args.clients:
            results.append(
                run_wrk(
                    server=server,
                    scenario="purchase",
                    mode="purchase",
                    clients=clients,
                    seconds=args.seconds,
                    env=env,
                )
            )
            print(results_markdown(results[-1:]).splitlines()[-1], flush=True)
        # One client shows a lookup's own time; eight show it under load.
        extra = [("purchase, one hot member", "purchase", hot_card, 8)] + [
            (f"lookup by {mode}", mode, "", clients)
            for mode in ("card", "phone")
            for clients in args.lookup_clients
        ]
        for scenario, mode, hot, clients in extra:
            results.append(
                run_wrk(
                    server=server,
                    scenario=scenario,
                    mode=mode,
                    clients=clients,
                    seconds=args.short_seconds,
                    env=env,
                    hot=hot,
                )
            )
            print(results_markdown(results[-1:]).splitlines()[-1], flush=True)
    finally:
        server.stop()
    pgbench = run_pgbench(database, 8, args.pgbench_seconds)
    load_after = loadavg()
    report = render(
        stamp=stamp,
        run=run,
        args=args,
        results=results,
        pgbench=pgbench,
        found=found,
        load=(load_before, load_after),
    )
    print(report)
    path = OUT / f"earn-{stamp.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(report)
    (path.with_suffix(".json")).write_text(
        json.dumps(
            {
                "run": run,
                "server": str(args.server),
                "results": [result.__dict__ for result in results],
                "pgbench": pgbench,
                "statements": {
                    label: [query["sql"] for query in queries]
                    for label, queries in found.items()
                },
            },
            indent=2,
        )
    )
    print(f"written to {path.relative_to(REPO)}")


def render(
    *,
    stamp: datetime.datetime,
    run: str,
    args: argparse.Namespace,
    results: list[Result],
    pgbench: dict[str, Any],
    found: dict[str, Any],
    load: tuple[str, str],
) -> str:
    facts = machine()
    eight = next(
        (r for r in results if r.scenario == "purchase" and r.clients == 8), None
    )
    ratio = eight.per_second / pgbench["tps"] if eight and pgbench["tps"] else 0.0
    rows = facts["rows"]
    target = ""
    if eight is not None:
        met = eight.per_second >= 500 and eight.p99_ms < 50
        target = (
            f"Target (≥ 500 purchases/s at 8 clients, p99 < 50 ms): "
            f"**{'met' if met else 'missed'}** — {eight.per_second:,.0f}/s, "
            f"p99 {eight.p99_ms:.1f} ms."
        )
    return f"""## Earn benchmark {stamp.strftime("%Y-%m-%d %H:%M %Z")} ({run})

Machine: {facts["cpus"]} cores, {facts["memory_gib"]} GiB, shared with other work
(load average {load[0]} before, {load[1]} after); Python {facts["python"]},
PostgreSQL {facts["postgres"]}. Data: ~{rows.get("members_member", 0):,} members,
~{rows.get("points_ledgerentry", 0):,} ledger entries,
~{rows.get("points_purchase", 0):,} purchases ({facts["database_size"]}).
Server: gunicorn {args.server} (config.wsgi, {args.settings}, DEBUG off), loopback http, wrk
closed loop (one connection per client); {args.seconds} s per purchase run,
{args.short_seconds} s for the others. Latency is measured by the client on
loopback. Peak memory is the sum over gunicorn's master and workers. CPU per
request: gunicorn's processes (app) and their PostgreSQL backends (db);
machine busy: both cores, and in brackets what neither this server, its
backends nor wrk used (other people's work, PostgreSQL's background writers).

{results_markdown(results)}

pgbench -b tpcb-like -c {pgbench["clients"]} -j 2 -T {pgbench["seconds"]} (scale 10,
same database): **{pgbench["tps"]:,.0f} tps** (latency average
{pgbench["latency_ms"]} ms). Purchases/s at 8 clients ÷ pgbench tps =
**{ratio:.2f}**.

{target}

SQL statements per purchase:

{statements_markdown(found)}
"""


def sweep(args: argparse.Namespace, env: dict[str, str]) -> None:
    from django.db import connections

    connections.close_all()
    results = []
    for config in args.sweep:
        server = Server(config, free_port())
        server.start(os.environ["DATABASE_URL"], args.settings)
        try:
            run_wrk(
                server=server,
                scenario="warm-up",
                mode="purchase",
                clients=8,
                seconds=args.warmup,
                env=env,
            )
            for clients in args.clients:
                result = run_wrk(
                    server=server,
                    scenario=f"purchase {config}",
                    mode="purchase",
                    clients=clients,
                    seconds=args.seconds,
                    env=env,
                )
                results.append(result)
                print(results_markdown([result]).splitlines()[-1], flush=True)
        finally:
            server.stop()
    print(results_markdown(results))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        type=ServerConfig.parse,
        default=ServerConfig("gthread", 2, 4),
        help="gunicorn workers: sync:N or gthread:NxT (default gthread:2x4).",
    )
    parser.add_argument(
        "--settings",
        default="config.settings",
        help="The server's DJANGO_SETTINGS_MODULE (bench.settings_tuned: the "
        "proposed database settings).",
    )
    parser.add_argument(
        "--clients",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 8, 32],
        help="Concurrent clients for the purchase runs (default 1,8,32).",
    )
    parser.add_argument(
        "--lookup-clients",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 8],
        help="Concurrent clients for the member lookups (default 1,8).",
    )
    parser.add_argument("--seconds", type=int, default=20, help="Per purchase run.")
    parser.add_argument(
        "--short-seconds", type=int, default=10, help="Hot member and lookup runs."
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument(
        "--sample", type=int, default=100_000, help="Members the clients draw from."
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--sweep",
        type=lambda text: [ServerConfig.parse(part) for part in text.split(",")],
        help="Compare gunicorn settings instead, e.g. sync:2,sync:4,gthread:2x4.",
    )
    args = parser.parse_args(argv)
    for number in (args.seconds, args.short_seconds, args.warmup, args.pgbench_seconds):
        if not 1 <= number <= 600:
            parser.error("run lengths are 1 to 600 seconds")
    return args


if __name__ == "__main__":
    main()
