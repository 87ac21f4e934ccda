"""Which database the benchmark uses, and the guard that keeps it off real data.

The generator drops and rebuilds its database, so it only ever touches a PostgreSQL
database whose name contains "bench" or an SQLite file under `bench/data/`.
"""

import os
import timeit
from pathlib import Path
from urllib.parse import urlsplit

import django

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"

# Sizes: enrollments; the rest scales from it (ISSUE 8: 300k contacts, 3M completions per 1M).
SIZES = {"full": 1_000_000, "medium": 250_000, "quick": 50_000, "tiny": 600}


def python_speed() -> float:
    """Milliseconds this machine takes for `sum(range(1_000_000))`, best of five.

    Printed at the start and end of a run: the absolute targets (seconds, rows/s) were
    set on one machine, and these machines differ by 2× from session to session and
    minute to minute; figures are comparable only at like speeds (docs/performance.md)."""
    return min(timeit.repeat("sum(range(1_000_000))", number=10, repeat=5)) / 10 * 1000


def database_url(size: str = "quick") -> str:
    """CERTTRACK_DATABASE_URL, else an SQLite file of this size under bench/data/."""
    default = f"sqlite:///{DATA_DIR / f'bench-{size}.sqlite3'}"
    return os.environ.get("CERTTRACK_DATABASE_URL") or default


def is_postgres(url: str | None = None) -> bool:
    return (url or database_url()).startswith(("postgres://", "postgresql://"))


def check_bench_database(url: str | None = None) -> None:
    """Refuse any database that is not obviously a benchmark's own."""
    url = url or database_url()
    if is_postgres(url):
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(f"bench: refusing database {name!r}: its name must contain 'bench'.")
        return
    path = Path(urlsplit(url).path).resolve()
    if DATA_DIR.resolve() not in path.parents:
        raise SystemExit(f"bench: refusing SQLite file {path}: it must be under {DATA_DIR}.")


def setup(size: str = "quick") -> None:
    """Point Django at the benchmark's database and start it."""
    (DATA_DIR / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT: no warning
    os.environ.setdefault("CERTTRACK_DATABASE_URL", database_url(size))
    os.environ.setdefault("CERTTRACK_DATA_DIR", str(DATA_DIR))
    os.environ.setdefault("CERTTRACK_EMAIL_URL", "locmem://")
    # django.test.Client's host: the settings allow only the configured ones.
    os.environ.setdefault("CERTTRACK_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    check_bench_database()
    django.setup()
