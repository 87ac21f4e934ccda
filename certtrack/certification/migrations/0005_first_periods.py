"""Every enrollment that was ever certified gets its period 1 (PRODUCT.md §3 "Periods").

Source: `recorded` when its History holds a `record_existing` entry, else `earned`.
Completions used, best effort (the facts of that day are not stored): the contact's
approved, passed, live completions of the program's components dated on or before
`activated_on` that no earlier period of the program used (enrollments taken in order of
`activated_on`, so the earlier cycle keeps its work) — the same rule as a period made
today (`certification.periods`), without the recency limit.
"""

from django.db import migrations


def create_first_periods(apps, schema_editor) -> None:
    Enrollment = apps.get_model("certification", "Enrollment")
    History = apps.get_model("certification", "History")
    Period = apps.get_model("certification", "Period")
    PeriodCompletion = apps.get_model("certification", "PeriodCompletion")
    Completion = apps.get_model("certification", "Completion")
    ProgramComponent = apps.get_model("certification", "ProgramComponent")

    recorded = set(
        History.objects.filter(action="record_existing", enrollment__isnull=False).values_list(
            "enrollment_id", flat=True
        )
    )
    components_of: dict[int, list[int]] = {}
    for program_id, component_id in ProgramComponent.objects.values_list(
        "program_id", "component_id"
    ):
        components_of.setdefault(program_id, []).append(component_id)
    used: set[tuple[int, int]] = set()  # (program id, completion id)
    certified = (
        Enrollment.objects.filter(activated_on__isnull=False)
        .exclude(periods__isnull=False)
        .order_by("activated_on", "id")
    )
    for enrollment in certified.iterator(chunk_size=2000):
        period = Period.objects.create(
            enrollment_id=enrollment.pk,
            number=1,
            activated_on=enrollment.activated_on,
            expires_on=enrollment.expires_on,
            source="recorded" if enrollment.pk in recorded else "earned",
        )
        candidates = (
            Completion.objects.filter(
                contact_id=enrollment.contact_id,
                component_id__in=components_of.get(enrollment.program_id, []),
                state="approved",
                passed=True,
                removed_at__isnull=True,
                completed_on__lte=enrollment.activated_on,
            )
            .order_by("id")
            .values_list("pk", flat=True)
        )
        chosen = [c for c in candidates if (enrollment.program_id, c) not in used]
        PeriodCompletion.objects.bulk_create(
            PeriodCompletion(
                period_id=period.pk,
                completion_id=completion_id,
                program_id=enrollment.program_id,
                contact_id=enrollment.contact_id,
            )
            for completion_id in chosen
        )
        used.update((enrollment.program_id, c) for c in chosen)


class Migration(migrations.Migration):
    dependencies = [("certification", "0004_periods")]

    operations = [migrations.RunPython(create_first_periods, migrations.RunPython.noop)]
