"""Run a small Django script in two processes that start together on the test database;
a free port for a server a test starts; a real `certtrack serve` on SQLite.

For the PostgreSQL race tests: each child gets the moment to start as `sys.argv[1]` (it
calls `wait_for_start()`, so both hit the database at once), then the caller's arguments,
and prints one JSON line as its last line of output, which is returned.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback TCP port nobody listens on now (each pytest-xdist worker gets its own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """`certtrack serve` (`workers` worker processes) on SQLite in the data dir `data`,
    migrated, on a free port: the process (its stderr a pipe) and the port, once it accepts
    connections. The server leads its own process group, as in a terminal of its own
    (`os.killpg` is Ctrl-C there)."""
    env = {k: v for k, v in os.environ.items() if k != "CERTTRACK_DATABASE_URL"}
    env |= {"CERTTRACK_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "certtrack.settings"}
    certtrack = [sys.executable, "-m", "certtrack.cli"]
    subprocess.run([*certtrack, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [*certtrack, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"certtrack serve did not start: {proc.stderr.read().decode()}")
            time.sleep(0.2)


# What every child starts with, before its own lines: Django set up on the test database,
# the names most children use, and `wait_for_start()`, which returns at the moment given.
PRELUDE = """
import json, os, sys, time
from datetime import date, timedelta
import django
django.setup()
from tests.builders import at


def wait_for_start():
    start = float(sys.argv[1])
    while time.time() < start:
        time.sleep(0.001)

"""


def run_together(
    child: str,
    *args: str,
    copies: int = 2,
    other: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> list:
    """The last JSON line each copy of `child` printed, in start order; with `other`, one
    copy of `child` and one of `other`. Each runs after PRELUDE; `env` adds to the
    environment."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgresql://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"
    env = (
        os.environ
        | {
            "CERTTRACK_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "certtrack.settings",
        }
        | (env or {})
    )
    start = str(time.time() + 2.0)
    scripts = [child, other] if other is not None else [child] * copies
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PRELUDE + script, start, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script in scripts
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results
