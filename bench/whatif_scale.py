"""The what-if at 100,000 holders: `python -m bench.whatif_scale [--apply]` on the as-of
bench database (`bench.asof` prepares it). In one transaction, rolled back: holders of
other programs (one per contact without a row in it) are moved into the program with the
most holders until it has 100,000; then the preview of its validity + 12 months is timed
(and with `--apply`, the change applied to existing holders, and the two effects compared).
"""

import os
import sys
import time

from . import env

TARGET = 100_000
MOVE_SQL = """
UPDATE certification_enrollment SET program_id = %(program)s WHERE id IN (
  SELECT id FROM (SELECT DISTINCT ON (e.contact_id) e.id FROM certification_enrollment e
    WHERE e.program_id <> %(program)s AND e.period_number > 0 AND e.status = ANY(%(holding)s)
      AND NOT EXISTS (SELECT 1 FROM certification_enrollment x
                      WHERE x.contact_id = e.contact_id AND x.program_id = %(program)s)
    ORDER BY e.contact_id, e.id) s
  LIMIT %(missing)s)
"""


class _Back(Exception):
    pass


def main() -> None:
    os.environ.setdefault("CERTTRACK_ALLOWED_HOSTS", "testserver")
    env.setup("full")
    from django.db import transaction
    from django.db.models import Count

    from certtrack.accounts.models import User
    from certtrack.certification import whatif
    from certtrack.certification.actors import Actor
    from certtrack.certification.models import Enrollment, Program

    holding = [str(s) for s in whatif.HOLDING]
    holders = Enrollment.objects.filter(period_number__gt=0, status__in=holding)
    big = holders.values("program_id").annotate(n=Count("*")).order_by("-n").first()
    program = Program.objects.get(pk=big["program_id"])
    actor = Actor.staff(User.objects.get_or_create(email="bench@example.com")[0])
    new = (program.validity_months or 24) + 12
    try:
        with transaction.atomic():
            params = {"program": program.pk, "holding": holding, "missing": TARGET - big["n"]}
            with transaction.get_connection().cursor() as cursor:
                cursor.execute(MOVE_SQL, params)
            now_holding = holders.filter(program=program).count()
            print(f"# {program.code}: {now_holding} holders (was {big['n']})", flush=True)
            started = time.perf_counter()
            effect = whatif.preview_change(program.pk, actor, validity_months=new)
            took = time.perf_counter() - started
            print(f"BENCH whatif_preview_100k {took * 1000:.0f} ms target=5s", flush=True)
            print(f"# {effect.enrollments_changed} would change: {effect.status_changes}")
            if "--apply" in sys.argv:
                started = time.perf_counter()
                _, applied = whatif.change_program(
                    program.pk, actor, apply_to_existing=True, validity_months=new
                )
                took = time.perf_counter() - started
                print(f"BENCH whatif_apply_100k {took * 1000:.0f} ms target=60s", flush=True)
                print(f"# preview = apply: {applied.as_dict() == effect.as_dict()}", flush=True)
            raise _Back
    except _Back:
        print("# rolled back", flush=True)


if __name__ == "__main__":
    main()
