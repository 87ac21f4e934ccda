"""The renewal reads are one index range per distinct window (and grace) setting, however
many programs share it (Program's default ordering must not split the DISTINCT)."""

from datetime import date

from certtrack.certification import renewals
from certtrack.certification.models import Enrollment
from certtrack.certification.tracking import renewal_q

TODAY = date(2026, 12, 3)


def queries() -> list[str]:
    return [
        str(Enrollment.objects.filter(q).query)
        for q in (
            renewal_q(["open"], TODAY),
            renewal_q(["grace"], TODAY),
            renewals.opened_q(date(2026, 12, 1), TODAY),
        )
    ]


def test_programs_sharing_a_window_add_no_range(make_program, settings_row):
    make_program(name="Alpha", renewal_window_days=90, renewal_grace_days=30)
    make_program(name="Delta", renewal_window_days=60)
    before = queries()
    make_program(name="Beta", renewal_window_days=90, renewal_grace_days=30)
    make_program(name="Gamma", renewal_window_days=60)
    assert queries() == before
