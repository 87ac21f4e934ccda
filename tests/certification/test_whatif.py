"""PRODUCT.md §11 "What if": the preview (counted in SQL) equals what applying does."""

from datetime import date

import pytest

from certtrack.certification import services, whatif
from certtrack.certification.models import Enrollment, History
from tests.conftest import at

TODAY = date(2026, 3, 20)

# (activated_on, a manually set expiry or None): month ends, 29 Feb, rollovers.
STARTS = [
    (date(2024, 1, 31), None),
    (date(2024, 2, 29), None),
    (date(2023, 3, 31), None),
    (date(2024, 8, 31), None),
    (date(2025, 5, 31), None),
    (date(2024, 4, 10), None),
    (date(2024, 3, 20), None),
    (date(2025, 2, 28), None),
    (date(2024, 12, 31), None),
    (date(2024, 2, 29), date(2026, 4, 1)),  # set by hand: Expiring today
    (date(2023, 10, 30), date(2026, 2, 28)),  # set by hand: Expired today
    (date(2025, 1, 31), date(2027, 3, 31)),
]


@pytest.fixture
def holders(db, admin, make_contact, make_program, travel):
    program = make_program(name="Safety", code="SAF", validity_months=24)
    made = []
    for n, (start, manual) in enumerate(STARTS):
        contact = make_contact(last_name=f"Holder{n:02d}", first_name="A")
        enrollment = services.record_existing(contact.pk, program.pk, start, admin, now=at(start))
        if manual:
            services.set_expires_on(enrollment.pk, manual, "by hand", admin, now=at(TODAY))
        made.append(enrollment)
    services.perform(made[3].pk, "suspend", admin, reason="audit", now=at(TODAY))
    services.perform(made[8].pk, "suspend", admin, reason="audit", now=at(TODAY))
    services.add(make_contact(last_name="Working").pk, program.pk, admin, now=at(TODAY))
    travel(TODAY)
    return program


@pytest.mark.parametrize("validity", [1, 11, 12, 23, 25, 26, 36, 48, None])
def test_the_preview_is_what_applying_does(holders, admin, validity):
    program = holders
    state = list(Enrollment.objects.order_by("pk").values_list("pk", "status", "expires_on"))
    history = History.objects.count()
    preview = whatif.preview_change(program.pk, admin, validity_months=validity)
    assert list(Enrollment.objects.order_by("pk").values_list("pk", "status", "expires_on")) == (
        state
    )
    assert History.objects.count() == history
    _, applied = whatif.change_program(
        program.pk, admin, apply_to_existing=True, validity_months=validity
    )
    assert preview.as_dict() == applied.as_dict()
    assert preview.enrollments_changed == History.objects.filter(action="program_change").count()
    assert preview.enrollments_changed > 0 and len(preview.examples) == whatif.EXAMPLES


def test_month_ends_and_29_february_clamp_like_expiry_for(holders, admin):
    effect = whatif.preview_change(holders.pk, admin, validity_months=1)
    by_name = {e.name: e for e in effect.examples}
    assert by_name["A Holder00"].new_expires_on == date(2024, 2, 29)  # 31 Jan + 1 month
    assert by_name["A Holder01"].new_expires_on == date(2024, 3, 29)
    assert by_name["A Holder02"].new_expires_on == date(2023, 4, 30)
    assert by_name["A Holder03"].new_status == "inactive"  # suspended: the date moves only
    effect = whatif.preview_change(holders.pk, admin, validity_months=12)
    leap = next(e for e in effect.examples if e.name == "A Holder01")
    assert leap.new_expires_on == date(2025, 2, 28)  # 29 Feb + 12 months
