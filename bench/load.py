"""Mixed load against a real server: `python -m bench.load --db postgres|sqlite`.

Builds a fresh database with the demo data, starts `certtrack serve` (gunicorn) and
`certtrack worker` as separate processes, and runs N clients for S seconds, each on
its own keep-alive connection, picking requests by weight: Tracking lists and counts,
enrollment details, staff actions, completions, CSV exports (API) and the back-office
Tracking page. Then it stops the processes and checks the database:

- every enrollment's stored status is the `to_status` of its last History row, and
  each History row starts where the previous one ended (no lost or double transition);
- History rows of an enrollment are in time order (by id);
- the outbox holds at most one email per enrollment, kind and cycle.

Prints `LOAD … requests/s … p50/p95/p99 … 5xx=N` and one line per request kind, and
exits 1 when any 5xx was answered or a check failed. 4xx answers are expected (an
action not allowed from the current status is a 409) and counted apart.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CERTTRACK = str(Path(sys.executable).parent / "certtrack")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
STATUSES = [
    "in_progress",
    "applied",
    "declined",
    "active",
    "inactive",
    "expired",
    "not_completed",
    "admin_review",
    "expiring",
    "cancelled",
]
ACTIONS = [
    "approve",
    "decline",
    "approve_completion",
    "return_to_in_progress",
    "set_inactive",
    "reactivate",
    "mark_not_completed",
    "reopen",
    "cancel",
]
ORDERINGS = ["contact", "-expires_on", "status", "applied_on", "-activated_on", "program"]
# Request kinds and their weights (out of 100).
MIX = {
    "list": 28,
    "counts": 10,
    "detail": 20,
    "action": 15,
    "completion": 15,
    "export": 4,
    "tracking_page": 8,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict, **kwargs) -> str:
    result = subprocess.run(
        [CERTTRACK, *args], env=env, capture_output=True, text=True, check=False, **kwargs
    )
    if result.returncode != 0:
        sys.exit(f"load: certtrack {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"load: the server on port {port} did not answer in {timeout:.0f} s")


class Client:
    """One keep-alive connection; records (kind, status, seconds) per request."""

    def __init__(self, port: int, token: str, cookie: str, ids: dict, seed: int, results: list):
        self.port, self.token, self.cookie, self.ids = port, token, cookie, ids
        self.random = random.Random(seed)
        self.results = results
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, kind: str, method: str, path: str, body: dict | None = None, html=False):
        headers = {"Cookie": self.cookie} if html else {"Authorization": f"Bearer {self.token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.reconnect()
        except (OSError, http.client.HTTPException) as error:
            status = f"error:{type(error).__name__}"
            self.reconnect()
        self.results.append((kind, status, time.perf_counter() - started))

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def one(self) -> None:
        r, ids = self.random, self.ids
        kind = r.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "list":
            query = {"ordering": r.choice(ORDERINGS), "page": r.randint(1, 3)}
            if r.random() < 0.7:
                query["status"] = r.choice(STATUSES)
            if r.random() < 0.2:
                query["q"] = r.choice(["an", "smith", "e", "org"])
            self.request(kind, "GET", f"/api/v1/enrollments?{urllib.parse.urlencode(query)}")
        elif kind == "counts":
            query = {"program": r.choice(ids["programs"])} if r.random() < 0.5 else {}
            path = f"/api/v1/enrollments/status-counts?{urllib.parse.urlencode(query)}"
            self.request(kind, "GET", path)
        elif kind == "detail":
            self.request(kind, "GET", f"/api/v1/enrollments/{r.choice(ids['enrollments'])}")
        elif kind == "action":
            # Few rows, many clients: actions collide on purpose.
            enrollment = r.choice(ids["hot"])[0]
            action = r.choice(ACTIONS)
            self.request(
                kind,
                "POST",
                f"/api/v1/enrollments/{enrollment}/actions/{action}",
                {"reason": "load test"},
            )
        elif kind == "completion":
            _, contact, components = r.choice(ids["hot"])
            body = {
                "contact_id": contact,
                "component_id": r.choice(components),
                "completed_on": (date.today() - timedelta(days=r.randint(0, 400))).isoformat(),
                "score": 100,
            }
            self.request(kind, "POST", "/api/v1/completions", body)
        elif kind == "export":
            status = r.choice(["active", "expired", "in_progress"])
            self.request(kind, "GET", f"/api/v1/enrollments/export.csv?status={status}")
        else:
            status = r.choice(STATUSES)
            self.request(kind, "GET", f"/staff/tracking/?status={status}", html=True)


def staff_cookie(port: int, email: str, password: str) -> str:
    """Sign in to the back-office as a browser does; returns the Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/staff/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookies = {
        c.split("=", 1)[0]: c.split(";", 1)[0].split("=", 1)[1]
        for c in response.headers.get_all("Set-Cookie") or []
    }
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "username": email, "password": password}
    )
    conn.request(
        "POST",
        "/staff/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{port}/staff/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    for c in response.headers.get_all("Set-Cookie") or []:
        name, value = c.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    if response.status != 302 or "sessionid" not in cookies:
        sys.exit(f"load: staff sign-in failed ({response.status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def api_ids(port: int, token: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path):
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return json.loads(response.read())

    rows = get("/api/v1/enrollments?page_size=500")["results"]
    random.Random(7).shuffle(rows)
    programs = {
        row["id"]: [link["component_id"] for link in row["components"] if link["kind"] != "exam"]
        for row in get("/api/v1/programs?page_size=500")["results"]
    }
    # The hot rows: actions and completions aim at the same few enrollments, so that
    # a completion (which locks the contact's open enrollments) meets staff actions.
    hot = [(row["id"], row["contact"]["id"], row["program"]["id"]) for row in rows[:40]]
    return {
        "enrollments": [row["id"] for row in rows],
        "hot": [(e, c, programs[p]) for e, c, p in hot if programs[p]],
        "programs": list(programs),
    }


def check_database(env: dict) -> list[str]:
    """The History / outbox checks, run in a child process with the run's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--check-only"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        return [f"the check itself failed: {result.stderr.strip()[-2000:]}"]
    return [line for line in result.stdout.splitlines() if line.strip()]


def consistency_problems() -> list[str]:
    """Compare every enrollment with its History and the outbox (run inside Django)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    django.setup()
    from django.db.models import Count

    from certtrack.certification.models import Enrollment, History
    from certtrack.notifications.models import Email

    problems = []
    stored = dict(Enrollment.objects.values_list("id", "status"))
    chains: dict[int, list] = defaultdict(list)
    rows = (
        History.objects.filter(enrollment__isnull=False)
        .exclude(to_status="")
        .order_by("enrollment_id", "id")
        .values_list("enrollment_id", "id", "at", "from_status", "to_status")
    )
    for enrollment_id, *row in rows.iterator():
        chains[enrollment_id].append(row)
    for enrollment_id, chain in chains.items():
        for (_, at_before, _, to_before), (hid, at, from_status, _) in zip(
            chain, chain[1:], strict=False
        ):
            if from_status and from_status != to_before:
                problems.append(
                    f"enrollment {enrollment_id}: History {hid} starts at {from_status!r} "
                    f"but the previous row ended at {to_before!r}"
                )
            if at < at_before:
                problems.append(f"enrollment {enrollment_id}: History {hid} is out of time order")
        if chain[-1][3] != stored[enrollment_id]:
            problems.append(
                f"enrollment {enrollment_id}: stored status {stored[enrollment_id]!r}, "
                f"last History row says {chain[-1][3]!r}"
            )
    duplicates = (
        Email.objects.filter(enrollment__isnull=False)
        .values("enrollment_id", "kind", "cycle")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems += [f"outbox: {row['n']} emails for {row}" for row in duplicates]
    return problems


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def report(db: str, clients: int, seconds: float, results: list) -> int:
    latencies = [r[2] * 1000 for r in results]
    server_errors = [r for r in results if not isinstance(r[1], int) or r[1] >= 500]
    print(
        f"LOAD db={db} clients={clients} seconds={seconds:.0f} requests={len(results)} "
        f"rps={len(results) / seconds:.1f} p50={percentile(latencies, 50):.0f}ms "
        f"p95={percentile(latencies, 95):.0f}ms p99={percentile(latencies, 99):.0f}ms "
        f"5xx={len(server_errors)}"
    )
    by_kind: dict[str, list] = defaultdict(list)
    for kind, status, spent in results:
        by_kind[kind].append((status, spent * 1000))
    for kind in MIX:
        rows = by_kind.get(kind, [])
        statuses = Counter(str(status) for status, _ in rows)
        times = [spent for _, spent in rows]
        print(
            f"  {kind:<14} n={len(rows):<6} p50={percentile(times, 50):.0f}ms "
            f"p95={percentile(times, 95):.0f}ms statuses={dict(sorted(statuses.items()))}"
        )
    return len(server_errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--check-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.check_only:
        problems = consistency_problems()
        print("\n".join(problems))
        return 1 if problems else 0

    data_dir = Path(tempfile.mkdtemp(prefix="certtrack-load-"))
    port = free_port()
    env = {
        **os.environ,
        "CERTTRACK_DATA_DIR": str(data_dir),
        "CERTTRACK_EMAIL_URL": "locmem://",
        "CERTTRACK_BASE_URL": f"http://127.0.0.1:{port}",
        "CERTTRACK_DEBUG": "",
        "CERTTRACK_WEB_WORKERS": str(options.web_workers),
        "PYTHONPATH": str(ROOT),
    }
    database = f"certtrack_load_{os.getpid()}"
    if options.db == "postgres":
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
        env["CERTTRACK_DATABASE_URL"] = f"{PG}/{database}"
    else:
        env["CERTTRACK_DATABASE_URL"] = f"sqlite:///{data_dir}/load.sqlite3"
    processes = []
    try:
        run(["migrate", "--verbosity", "0"], env)
        run(["demo"], env)
        token = run(["apitoken", "admin@example.com"], env).strip().splitlines()[-1]
        log = open(data_dir / "server.log", "w")  # noqa: SIM115 (closed with the process)
        processes.append(
            subprocess.Popen(
                [CERTTRACK, "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(
                [CERTTRACK, "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        wait_ready(port)
        ids = api_ids(port, token)
        cookie = staff_cookie(port, "admin@example.com", "certtrack-demo")
        results: list = []
        deadline = time.monotonic() + options.seconds

        def work(seed: int) -> None:
            client = Client(port, token, cookie, ids, seed, results)
            while time.monotonic() < deadline:
                client.one()

        started = time.monotonic()
        threads = [
            threading.Thread(target=work, args=(n,), daemon=True) for n in range(options.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server_errors = report(options.db, options.clients, elapsed, results)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    problems = check_database(env)
    print("consistency: " + ("ok" if not problems else f"{len(problems)} problems"))
    for line in problems[:20]:
        print("  " + line)
    if server_errors:
        tail = (data_dir / "server.log").read_text().splitlines()
        tracebacks = [line for line in tail if "Error" in line or "Traceback" in line]
        print("server log (errors):\n  " + "\n  ".join(tracebacks[-20:]))
    if options.db == "postgres":
        subprocess.run(
            ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"], check=False
        )
    shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if server_errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
