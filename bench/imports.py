"""Import benchmark (docs/performance.md "Import"): 100,000 completions and 100,000
certification rows, each timed against a bare bulk insert of the same rows in the same
run, with the peak memory of the process that imports.

`python -m bench.imports [--rows N]` with CERTTRACK_DATABASE_URL (PostgreSQL: a database
whose name contains "bench"; default: bench/data/bench-import.sqlite3). The database is
rebuilt. Each measurement runs in its own process, so its peak RSS is its own.

The baseline: the file's rows parsed with the csv module and inserted with one
`bulk_create` (completions; for certifications the enrollments and their periods),
in a transaction then rolled back — no lookups, checks, History or evaluation.
The import: `certtrack.certification.imports.run` on the same file, written whole.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.env import DATA_DIR, check_bench_database, is_postgres

CONTACTS_PER_ROW = 5  # rows per contact: 5 components, or 5 periods
START = date(2001, 1, 1)


def _url() -> str:
    return (
        os.environ.get("CERTTRACK_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'bench-import.sqlite3'}"
    )


def _setup_django() -> None:
    os.environ["CERTTRACK_DATABASE_URL"] = _url()
    os.environ.setdefault("CERTTRACK_DATA_DIR", str(DATA_DIR))
    os.environ.setdefault("CERTTRACK_EMAIL_URL", "locmem://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    import django

    django.setup()


def _files(rows: int) -> dict[str, Path]:
    return {k: DATA_DIR / f"import-{k}-{rows}.csv" for k in ("completions", "certifications")}


def prepare(rows: int) -> None:
    """A fresh database with the contacts, components and programs the files name."""
    url = _url()
    check_bench_database(url)
    DATA_DIR.mkdir(exist_ok=True)
    if not is_postgres(url):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    if is_postgres(url):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    from certtrack.certification import services
    from certtrack.certification.actors import Actor
    from certtrack.certification.models import Contact

    actor = Actor.system("bench")
    people = rows // CONTACTS_PER_ROW
    Contact.objects.bulk_create(
        Contact(first_name="P", last_name=f"N{n}", email=f"p{n}@example.org", external_id=f"X{n}")
        for n in range(people)
    )
    components = [
        services.create_component(actor, kind="course", name=f"Course {n}", code=f"C{n}")
        for n in range(CONTACTS_PER_ROW)
    ]
    links = [{"component_id": c.pk, "required": True} for c in components[:3]]
    program = services.create_program(
        actor, components=links, name="Practitioner", code="P1", validity_months=24
    )
    services.create_program(
        actor, components=links[:1], name="Licence", code="L1", validity_months=24
    )
    # Some open enrollments the completions move on (one evaluation each).
    for contact in Contact.objects.order_by("id")[: max(people // 10, 1)]:
        services.add(contact.pk, program.pk, actor)
    files = _files(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["contact_external_id", "component_code", "completed_on", "score", "note"])
    for n in range(people):
        for c in range(CONTACTS_PER_ROW):
            day = START + timedelta(days=(n * 7 + c * 31) % 8000)
            writer.writerow([f"X{n}", f"C{c}", day.isoformat(), "", "from the old LMS"])
    files["completions"].write_text(out.getvalue())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["contact_email", "program_code", "activated_on", "expires_on", "certificate_number"]
    )
    for n in range(people):
        first = START + timedelta(days=n % 700)
        for p in range(CONTACTS_PER_ROW):
            activated = first + timedelta(days=730 * p)
            writer.writerow(
                [f"p{n}@example.org", "L1", activated.isoformat(), "", f"OLD-{n}" if p == 0 else ""]
            )
    files["certifications"].write_text(out.getvalue())


def baseline(kind: str, rows: int) -> float:
    """Parse the file and bulk-insert its rows bare, in a transaction rolled back."""
    from django.db import transaction

    from certtrack.certification.models import (
        Completion,
        Component,
        Contact,
        Enrollment,
        Period,
        Program,
    )

    data = _files(rows)[kind].read_bytes()
    start = time.perf_counter()
    with transaction.atomic():
        reader = csv.DictReader(io.StringIO(data.decode()))
        if kind == "completions":
            contacts = dict(Contact.objects.values_list("external_id", "pk"))
            components = dict(Component.objects.values_list("code", "pk"))
            Completion.objects.bulk_create(
                (
                    Completion(
                        contact_id=contacts[r["contact_external_id"]],
                        component_id=components[r["component_code"]],
                        completed_on=date.fromisoformat(r["completed_on"]),
                        note=r["note"],
                        source="import",
                    )
                    for r in reader
                ),
                batch_size=1000,
            )
        else:
            contacts = dict(Contact.objects.values_list("email", "pk"))
            programs = dict(Program.objects.values_list("code", "pk"))
            groups: dict = {}
            for r in reader:
                groups.setdefault((r["contact_email"], r["program_code"]), []).append(r)
            enrollments = [
                Enrollment(
                    contact_id=contacts[email],
                    program_id=programs[code],
                    status="expired",
                    activated_on=date.fromisoformat(rs[-1]["activated_on"]),
                    certificate_number=rs[0]["certificate_number"],
                    period_number=len(rs),
                )
                for (email, code), rs in groups.items()
            ]
            Enrollment.objects.bulk_create(enrollments, batch_size=1000)
            Period.objects.bulk_create(
                (
                    Period(
                        enrollment=e,
                        number=i,
                        activated_on=date.fromisoformat(r["activated_on"]),
                        source="imported",
                    )
                    for e, rs in zip(enrollments, groups.values(), strict=True)
                    for i, r in enumerate(rs, 1)
                ),
                batch_size=1000,
            )
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def run_import(kind: str, rows: int) -> float:
    from certtrack.certification import imports
    from certtrack.certification.actors import Actor

    data = _files(rows)[kind].read_bytes()
    start = time.perf_counter()
    result = imports.run(kind, data, Actor.importer())
    elapsed = time.perf_counter() - start
    assert result.written and not result.errors, result.errors[:5]
    assert result.created == rows, result.summary
    return elapsed


def step(what: str, kind: str, rows: int) -> None:
    """One measurement in this process: prints {"seconds", "peak_mb"} as JSON."""
    _setup_django()
    seconds = (baseline if what == "baseline" else run_import)(kind, rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak)}))


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.imports", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "CERTTRACK_DATABASE_URL": _url()},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--step", choices=["baseline", "import"])
    parser.add_argument("--kind", choices=["completions", "certifications"])
    args = parser.parse_args()
    if args.step:
        step(args.step, args.kind, args.rows)
        return
    prepare(args.rows)
    database = "PostgreSQL" if is_postgres(_url()) else "SQLite"
    for kind in ("completions", "certifications"):
        bare = _child("--step", "baseline", "--kind", kind, "--rows", str(args.rows))
        full = _child("--step", "import", "--kind", kind, "--rows", str(args.rows))
        ratio = full["seconds"] / bare["seconds"]
        print(
            f"{database} {kind} {args.rows:,} rows: import {full['seconds']:.1f}s, bare bulk "
            f"insert {bare['seconds']:.1f}s, ratio {ratio:.1f}x; peak memory "
            f"{full['peak_mb']} MB (bare {bare['peak_mb']} MB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
