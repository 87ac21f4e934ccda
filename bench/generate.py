"""The benchmark's data set: `python -m bench.generate --size full|quick|tiny [--seed N]`.

Per 1,000,000 enrollments: 300,000 contacts and 3,000,000 completions (50 programs and
400 components at every size), over all ten statuses, with dates around today: some
certifications expire today, some entered the notice window today, and a backlog of
certified rows is still stored as `active` although the dates say Expiring or Expired
(as after an import), so the worker and the true-now reads have real work.
Every certified enrollment has its periods (a quarter of those that expire were renewed
once: period 2 after period 1) with the completions period 1 used, and `period_number`;
programs renew with windows of 0 (no renewal), 60 or 90 days, some with grace days.

The database is rebuilt from scratch (`migrate`), the big tables are loaded in bulk —
PostgreSQL: COPY through psycopg 3 with the secondary indexes dropped and foreign-key
triggers off during the load; SQLite: executemany in large transactions with the
journal off — then the indexes are rebuilt and the tables analysed.
Deterministic: the same seed and the same today give the same rows.
"""

import argparse
import bisect
import itertools
import random
import sys
import time
from array import array
from datetime import date, timedelta
from urllib.parse import urlsplit

from . import env

SEED = 20261129
PROGRAMS = 50
COMPONENTS = 400
NOTICE_DAYS = 30
CHUNK = 50_000

# The status true today, in percent of enrollments (the ten statuses).
MIX = [
    ("in_progress", 18),
    ("applied", 5),
    ("declined", 2),
    ("active", 33),
    ("expiring", 3),
    ("expired", 15),
    ("inactive", 5),
    ("not_completed", 5),
    ("admin_review", 7),
    ("cancelled", 7),
]
# Share of certified rows (true Expiring/Expired) that the worker has not recorded yet.
BACKLOG = 0.03
# Share of Expiring rows whose last valid day is today.
EXPIRING_TODAY = 0.08
# Share of Active rows that entered the notice window today (due for the worker).
ENTERING_WINDOW = 0.003
# Share of certified rows with an expiry that were renewed once (two periods).
RENEWED = 0.25
WINDOWS = [90, 90, 60, 0]  # renewal_window_days, by program (0: no renewal)
GRACES = [0, 0, 30]

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Tim",
    "Barbara",
    "Dennis",
    "Frances",
    "Ken",
    "Radia",
    "Edsger",
    "Hedy",
    "John",
    "Shafi",
    "Donald",
    "Sophie",
    "Niklaus",
    "Joan",
    "Leslie",
    "Anita",
    "Brian",
    "Carol",
    "Guido",
    "Lynn",
    "Yukihiro",
    "Mary",
    "Bjarne",
    "Ruth",
    "Maria",
    "José",
    "Wei",
    "Li",
    "Fatima",
    "Ahmed",
    "Olga",
    "Ivan",
    "Priya",
    "Raj",
    "Aiko",
    "Kenji",
    "Amara",
    "Kwame",
    "Ingrid",
    "Lars",
    "Sofia",
    "Mateo",
    "Chloe",
    "Lucas",
    "Emma",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Elijah",
    "Mia",
    "James",
    "Isabella",
    "Benjamin",
    "Zoe",
    "Samuel",
    "Nora",
    "Daniel",
    "Leah",
    "Henry",
    "Hannah",
    "Owen",
    "Lily",
    "Jack",
    "Grace",
    "Levi",
    "Ella",
    "Ezra",
    "Aria",
    "Hugo",
    "Alice",
    "Felix",
    "Clara",
    "Oscar",
    "Iris",
    "Arthur",
    "Ruby",
    "Theo",
    "Ines",
    "Marco",
    "Giulia",
    "Pierre",
    "Camille",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Liskov",
    "Ritchie",
    "Allen",
    "Thompson",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "McCarthy",
    "Goldwasser",
    "Knuth",
    "Wilson",
    "Wirth",
    "Clarke",
    "Lamport",
    "Borg",
    "Kernighan",
    "Smith",
    "Jones",
    "Garcia",
    "Martinez",
    "Nguyen",
    "Chen",
    "Wang",
    "Kim",
    "Patel",
    "Singh",
    "Kumar",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "Fournier",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Pereira",
    "Costa",
    "Rodrigues",
    "Almeida",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Sato",
    "Ivanov",
    "Petrov",
    "Smirnov",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Novak",
    "Horvat",
    "Jensen",
    "Nielsen",
    "Hansen",
    "Andersen",
    "Larsen",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Brown",
    "Taylor",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Banda",
    "Mwangi",
    "Otieno",
    "Haddad",
    "Khalil",
    "Nasser",
    "Cohen",
    "Levy",
    "Friedman",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Byrne",
    "Ryan",
    "Walsh",
]
ORG_WORDS = [
    "Acme",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Oceanic",
    "Aperture",
    "Massive",
    "Dynamic",
    "Gringotts",
    "Monarch",
    "Nakatomi",
]
ORG_KINDS = [
    "Health",
    "Clinic",
    "Hospital",
    "Labs",
    "Group",
    "Partners",
    "Associates",
    "Institute",
    "Care",
    "Services",
]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "test.example"]
KINDS = ["course", "exam", "task", "event"]


def counts_for(enrollments: int) -> dict[str, int]:
    return {
        "contacts": max(1, enrollments * 3 // 10),
        "programs": PROGRAMS,
        "components": COMPONENTS,
        "enrollments": enrollments,
        "completions": enrollments * 3,
    }


# --- writers ----------------------------------------------------------------------------


class Loader:
    """Bulk-load rows into a table of the current Django database."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor

    def load(self, table: str, columns: list[str], rows) -> int:
        n = 0
        if self.vendor == "postgresql":
            cols = ", ".join(columns)
            with (
                self.connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        raw = self.connection.connection
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, CHUNK)):
            raw.executemany(sql, chunk)
            n += len(chunk)
        return n


def _secondary_indexes(connection, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on `tables` not backing a constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = (quote_ident(i.indexname))::regclass)
                """,
                [tables],
            )
        else:
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                tables,
            )
        return list(cursor.fetchall())


# --- the data ---------------------------------------------------------------------------


def _weighted(pairs):
    names = [name for name, _ in pairs]
    cumulative = list(itertools.accumulate(weight for _, weight in pairs))
    total = cumulative[-1]
    return names, [c / total for c in cumulative]


def generate(size: int, seed: int = SEED, out=sys.stdout, rebuild: bool = True) -> dict[str, int]:
    """Rebuild the benchmark database with `size` enrollments; return the row counts.

    `rebuild=False` loads into the current, migrated and empty database instead (the
    tests do, inside their transaction).
    """
    from django.core.management import call_command
    from django.db import connection, transaction

    from certtrack import clock
    from certtrack.certification.dates import add_months
    from certtrack.certification.models import (
        Completion,
        Component,
        Contact,
        Enrollment,
        GeneralSettings,
        Period,
        PeriodCompletion,
        Program,
        ProgramComponent,
    )
    from certtrack.certification.search import KEYS

    started = time.monotonic()

    def say(message: str) -> None:
        print(f"bench-data: {message} ({time.monotonic() - started:.1f}s)", file=out, flush=True)

    if rebuild:
        _recreate_database(connection)
        call_command("migrate", verbosity=0)
        say("schema migrated")
    outside = not connection.in_atomic_block  # PRAGMAs and VACUUM need no transaction
    rng = random.Random(seed)
    target = counts_for(size)
    settings = GeneralSettings.get()
    settings.expiring_notice_days = NOTICE_DAYS
    settings.time_zone = "UTC"
    settings.save()
    today = settings.as_of(clock.now()).today
    stamp = f"{today.isoformat()} 00:00:00+00:00"
    if connection.vendor == "sqlite":
        stamp = f"{today.isoformat()} 00:00:00"

    # Programs and components: small, through the ORM.
    components = [
        Component(
            kind=KINDS[i % 4],
            name=f"{rng.choice(['Intro to', 'Advanced', 'Applied', 'Practical'])} "
            f"{rng.choice(['Safety', 'Ethics', 'Care', 'Triage', 'Audit', 'Coding'])} {i + 1}",
            code=f"CMP{i + 1:04d}",
            credits_earned=rng.choice([1, 2, 3, 5]),
            hours_earned=rng.choice([1, 2, 4, 8]),
            scoring="pass_fail" if i % 4 == 1 else "",
        )
        for i in range(COMPONENTS)
    ]
    Component.objects.bulk_create(components)
    component_ids = [c.pk for c in Component.objects.order_by("pk")]
    programs = []
    for i in range(PROGRAMS):
        programs.append(
            Program(
                name=f"{rng.choice(['Certified', 'Registered', 'Licensed', 'Chartered'])} "
                f"{rng.choice(['Nurse', 'Auditor', 'Planner', 'Coder', 'Trainer', 'Analyst'])} "
                f"{i + 1}",
                code=f"PRG{i + 1:03d}",
                validity_months=None if i % 10 == 9 else rng.choice([12, 24, 36]),
                require_approval=i % 3 == 0,
                completion_requires_approval=i % 4 == 0,
                renewal_window_days=WINDOWS[i % len(WINDOWS)],
                renewal_grace_days=GRACES[i % len(GRACES)],
                renewal_base="renewal_date" if i % 5 == 4 else "previous_expiry",
            )
        )
    Program.objects.bulk_create(programs)
    programs = list(Program.objects.order_by("pk"))
    required: list[list[int]] = []
    electives: list[list[int]] = []
    links = []
    for program in programs:
        picked = rng.sample(component_ids, 3 + rng.randint(0, 3))
        required.append(picked[:3])
        electives.append(picked[3:])
        links += [
            ProgramComponent(program=program, component_id=c, required=j < 3)
            for j, c in enumerate(picked)
        ]
    ProgramComponent.objects.bulk_create(links)
    say(f"{len(programs)} programs, {len(component_ids)} components")

    tables = [
        Contact._meta.db_table,
        Enrollment._meta.db_table,
        Completion._meta.db_table,
        Period._meta.db_table,
        PeriodCompletion._meta.db_table,
    ]
    indexes = _secondary_indexes(connection, tables)
    loader = Loader(connection)
    if connection.vendor == "sqlite" and outside:
        with connection.cursor() as cursor:
            # One big transaction, no journal: a failed load is simply generated again.
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA cache_size = -400000")
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            if connection.vendor == "postgresql":
                # The generated rows are consistent; skip per-row foreign-key triggers.
                cursor.execute("SET LOCAL session_replication_role = replica")

        n_contacts = target["contacts"]
        loader.load(
            Contact._meta.db_table,
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "organization",
                "phone",
                "created_at",
                *KEYS,
            ],
            _contacts(rng, n_contacts, stamp),
        )
        say(f"{n_contacts} contacts")

        # Enrollments: remember what completions need (compact arrays, not objects).
        program_ids = [p.pk for p in programs]
        validity = [p.validity_months for p in programs]
        e_contact, e_program, e_status = array("l"), array("b"), array("b")
        e_done = array("l")  # ordinal of the day the work was done (0: none)
        e_period = array("l")  # id of the period its completions went to (0: none)
        periods: list[tuple] = []
        statuses, cumulative = _weighted(MIX)
        popularity = list(itertools.accumulate(1 / (i + 1) ** 0.6 for i in range(len(programs))))
        top = popularity[-1]

        def enrollment_rows():
            per, extra = divmod(size, n_contacts)
            extra_contacts = set(rng.sample(range(n_contacts), extra))
            eid = 0
            for c in range(n_contacts):
                k = min(per + (c in extra_contacts), len(programs))
                chosen: set[int] = set()
                while len(chosen) < k:
                    chosen.add(bisect.bisect_left(popularity, rng.random() * top))
                for p in sorted(chosen):
                    eid += 1
                    status = statuses[bisect.bisect_left(cumulative, rng.random())]
                    row, done = _enrollment(
                        rng, eid, c + 1, program_ids[p], validity[p], status, today, add_months
                    )
                    e_contact.append(c + 1)
                    e_program.append(p)
                    e_status.append(statuses.index(row[3]) if row[3] in statuses else 0)
                    e_done.append(done)
                    cycles = _periods(rng, row, validity[p], add_months, today)
                    for number, (start, end, renewed) in enumerate(cycles, 1):
                        source = "earned" if number == 1 else "renewed"
                        periods.append((eid, number, start, end, renewed, source))
                    # Period 1 used the completions generated below (dated before it began).
                    e_period.append(len(periods) - len(cycles) + 1 if cycles else 0)
                    yield (*row, len(cycles), stamp, stamp)

        loader.load(
            Enrollment._meta.db_table,
            [
                "id",
                "contact_id",
                "program_id",
                "status",
                "applied_on",
                "started_on",
                "completed_on",
                "activated_on",
                "expires_on",
                "certificate_number",
                "cycle",
                "period_number",
                "created_at",
                "updated_at",
            ],
            enrollment_rows(),
        )
        say(f"{len(e_contact)} enrollments")

        loader.load(
            Period._meta.db_table,
            ["id", "enrollment_id", "number", "activated_on", "expires_on", "renewed_on"]
            + ["source", "created_at"],
            ((i, *period, stamp) for i, period in enumerate(periods, 1)),
        )
        say(f"{len(periods)} periods")
        n_periods = len(periods)
        periods.clear()
        used = array("l")  # (period, completion, program, contact), flattened

        def completion_rows():
            n = 0
            for i in range(len(e_contact)):
                if n >= target["completions"]:
                    return
                done = e_done[i]
                if not done:
                    continue
                p = e_program[i]
                wanted = required[p] + electives[p][: rng.randint(0, len(electives[p]))]
                if statuses[e_status[i]] in ("in_progress", "inactive", "not_completed"):
                    wanted = required[p][: rng.randint(0, 2)]
                for component in wanted:
                    if n >= target["completions"]:
                        return
                    n += 1
                    day = date.fromordinal(done - rng.randint(0, 120))
                    if e_period[i]:
                        used.extend((e_period[i], n, program_ids[p], e_contact[i]))
                    yield (n, e_contact[i], component, day.isoformat(), "approved", stamp)
            # Top up to the target: events attended, courses outside any program.
            while n < target["completions"]:
                n += 1
                day = today - timedelta(days=rng.randint(1, 2000))
                yield (
                    n,
                    rng.randint(1, n_contacts),
                    rng.choice(component_ids),
                    day.isoformat(),
                    "approved" if rng.random() > 0.02 else "pending",
                    stamp,
                )

        n = loader.load(
            Completion._meta.db_table,
            ["id", "contact_id", "component_id", "completed_on", "state", "created_at"]
            + ["passed", "note", "evidence", "evidence_name", "source"],
            ((*row, True, "", "", "", "import") for row in completion_rows()),
        )
        say(f"{n} completions")
        loader.load(
            PeriodCompletion._meta.db_table,
            ["id", "period_id", "completion_id", "program_id", "contact_id"],
            ((j // 4 + 1, *used[j : j + 4]) for j in range(0, len(used), 4)),
        )
        say(f"{len(used) // 4} completions used by periods ({n_periods} periods)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")  # index builds in memory
        for _, create in indexes:
            cursor.execute(create)
        say(f"{len(indexes)} indexes rebuilt")
    # The loads ran without the count triggers (PostgreSQL's replica role skips them): the
    # Quick Filter's aggregate from the rows, as `certtrack rebuild-counts` does.
    from certtrack.certification import counts as aggregate

    say(f"count aggregate rebuilt: {aggregate.rebuild()} keys")
    # Bulk-loaded rows carry no stored progress: evaluate them, as `certtrack rebuild-progress`.
    say(f"progress stored: {_store_progress(connection, outside)} enrollments")
    models = [Contact, Enrollment, Completion, Period, PeriodCompletion]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(_NoStyle(), models):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if outside:
                cursor.execute("VACUUM (ANALYZE)")
        elif outside:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
    say("analysed")
    return {
        "contacts": Contact.objects.count(),
        "programs": Program.objects.count(),
        "components": Component.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "completions": Completion.objects.count(),
    }


def _periods(rng, row, validity, add_months, today) -> list[tuple]:
    """(activated_on, expires_on, renewed_on) of each period of an enrollment row, as ISO
    strings: none unless certified; one, or two where it was renewed once (renewed before
    today, also when the period begins later: an early renewal)."""
    activated, expires = row[7], row[8]
    if activated is None or row[3] not in ("active", "expiring", "expired"):
        return []
    if expires is None or validity is None or rng.random() >= RENEWED:
        return [(activated, expires, None)]
    start = date.fromisoformat(activated)
    earlier = add_months(start, -validity)
    renewed = min(start, today - timedelta(days=1)) - timedelta(days=rng.randint(0, 60))
    return [(earlier.isoformat(), activated, None), (activated, expires, renewed.isoformat())]


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text


def _contacts(rng: random.Random, n: int, stamp: str):
    from certtrack.certification.search import KEYS, keys  # what Contact.save would store

    for i in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        org = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}" if rng.random() < 0.8 else ""
        handle = f"{first}.{last}".lower().replace("'", "")
        email = f"{handle}.{i}@{DOMAINS[i % len(DOMAINS)]}"
        derived = keys(first, last, email, org)
        yield (i, first, last, email, org, "", stamp, *(derived[name] for name in KEYS))


def _enrollment(rng, eid, contact_id, program_id, validity, status, today, add_months):
    """One enrollment row (without timestamps) whose status today is `status`; and the
    ordinal of the day its work was done (completions are dated before it)."""
    day = today.toordinal()

    def ago(low: int, high: int) -> date:
        return date.fromordinal(day - rng.randint(low, high))

    applied = started = completed = activated = expires = None
    number = None
    stored = status
    if validity is None and status in ("expiring", "expired"):
        status = stored = "active"
    if status in ("active", "expiring", "expired"):
        if validity is None:
            activated = ago(1, 3000)
        else:
            if status == "expiring":
                if rng.random() < EXPIRING_TODAY:
                    expires = today  # valid through today, Expired tomorrow
                else:
                    expires = today + timedelta(days=rng.randint(0, NOTICE_DAYS))
            elif status == "expired":
                expires = today - timedelta(days=rng.randint(1, 1500))
            elif rng.random() < ENTERING_WINDOW:
                expires = today + timedelta(days=NOTICE_DAYS)  # in the window from today
            else:
                expires = today + timedelta(days=rng.randint(NOTICE_DAYS + 1, validity * 31))
            activated = add_months(expires, -validity)
        completed = activated
        started = activated - timedelta(days=rng.randint(30, 400))
        applied = started
        number = f"CT-{eid:08d}"
        # Stored as a worker that ran yesterday left it; a backlog never recorded at all.
        yesterday = today - timedelta(days=1)
        if expires is None:
            stored = "active"
        elif expires < yesterday:
            stored = "expired"
        elif expires - timedelta(days=NOTICE_DAYS) <= yesterday:
            stored = "expiring"
        else:
            stored = "active"
        if status != "active" and rng.random() < BACKLOG:
            stored = "active"
        done = completed.toordinal()
    elif status == "applied":
        applied = ago(0, 60)
        done = 0
    elif status == "declined":
        applied = ago(10, 900)
        done = 0
    elif status == "admin_review":
        applied = started = ago(60, 500)
        completed = ago(0, 50)
        done = completed.toordinal()
    elif status == "cancelled":
        applied = started = ago(30, 1500)
        done = 0
    else:  # in_progress, inactive, not_completed
        applied = started = ago(0, 900)
        done = day
    return (
        eid,
        contact_id,
        program_id,
        stored,
        applied and applied.isoformat(),
        started and started.isoformat(),
        completed and completed.isoformat(),
        activated and activated.isoformat(),
        expires and expires.isoformat(),
        number,
        1,
    ), done


def _store_progress(connection, outside: bool) -> int:
    """Every enrollment's stored progress (`progress_store.rebuild`); on SQLite outside a
    test's transaction, without the journal (a failed load is generated again)."""
    from certtrack.certification import progress_store

    if connection.vendor == "sqlite" and outside:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
    from django.db import transaction

    with transaction.atomic():
        return progress_store.rebuild()


def _recreate_database(connection) -> None:
    """An empty database: PostgreSQL drops and creates it, SQLite deletes the file."""
    from pathlib import Path

    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "postgresql":
        import psycopg

        name = settings["NAME"]
        assert "bench" in name, name
        params = {
            "host": settings["HOST"] or None,
            "port": settings["PORT"] or None,
            "user": settings["USER"] or None,
            "password": settings["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        return
    path = Path(settings["NAME"])
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def ensure_database_exists(size: str) -> None:
    """Create the PostgreSQL database if missing (migrate needs it to connect)."""
    url = env.database_url(size)
    if not env.is_postgres(url):
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def present(size: int) -> bool:
    """Whether the database already holds a data set of this size."""
    from django.db import DatabaseError

    from certtrack.certification.models import Completion, Contact, Enrollment

    want = counts_for(size)
    try:
        return (
            Enrollment.objects.count() == want["enrollments"]
            and Contact.objects.count() == want["contacts"]
            and Completion.objects.count() == want["completions"]
        )
    except DatabaseError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(env.SIZES), default="quick")
    parser.add_argument("--enrollments", type=int, help="Override the size's enrollment count.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--if-missing", action="store_true", help="Keep a data set of the same size."
    )
    args = parser.parse_args(argv)
    size = args.enrollments or env.SIZES[args.size]
    ensure_database_exists(args.size)
    env.setup(args.size)
    if args.if_missing and present(size):
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # kept data, current schema
        from certtrack.certification import progress_store

        if n := progress_store.refresh_due():  # rows a new schema left without progress
            print(f"bench-data: progress stored for {n} enrollments.")
        print(f"bench-data: {size} enrollments already loaded; kept (schema migrated).")
        return
    started = time.monotonic()
    counts = generate(size, args.seed)
    print(
        "bench-data: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f" in {time.monotonic() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
