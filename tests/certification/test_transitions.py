"""PRODUCT.md §3 "Transitions by staff": every row allowed, everything else refused."""

import pytest

from certtrack.certification import services
from certtrack.certification.errors import Invalid, NotFound, Refused
from certtrack.certification.models import Enrollment, History
from certtrack.certification.statuses import ACTIONS, RENEWAL_ACTIONS, Status

from .conftest import TODAY, at

# (action, from) -> to, written out from the spec's table, not derived from the code.
TABLE = {
    ("approve", "applied"): "in_progress",
    ("decline", "applied"): "declined",
    ("approve_completion", "admin_review"): "active",
    ("return_to_in_progress", "admin_review"): "in_progress",
    ("set_inactive", "in_progress"): "inactive",
    ("set_inactive", "applied"): "inactive",
    ("set_inactive", "admin_review"): "inactive",
    ("reactivate", "inactive"): "in_progress",
    ("mark_not_completed", "in_progress"): "not_completed",
    ("mark_not_completed", "inactive"): "not_completed",
    ("mark_not_completed", "admin_review"): "not_completed",
    ("reopen", "not_completed"): "in_progress",
    **{
        ("cancel", s.value): "cancelled"
        for s in Status
        if s not in (Status.CANCELLED, Status.DECLINED)
    },
    # The rows of issue 14: "suspended" is an Inactive enrollment with a current period;
    # "as_dates" is Active, Expiring or Expired as the dates say.
    ("suspend", "active"): "inactive",
    ("suspend", "expiring"): "inactive",
    ("reactivate", "suspended"): "as_dates",
    ("cancel", "suspended"): "cancelled",
    **{
        (action, s): "as_dates"
        for action in ("renew", "approve_renewal", "reject_renewal")
        for s in ("active", "expiring", "expired")
    },
}
ALL = [(action, status.value) for action in ACTIONS for status in Status]
# The renewal actions also need the renewal's state: tests/certification/test_renewal.py.
PLAIN = [k for k in ALL if k in TABLE and k[0] not in RENEWAL_ACTIONS]


def test_the_table_in_code_is_the_table_in_the_spec():
    in_code = {
        (a.name, str(source)): str(row.target)
        for a in ACTIONS.values()
        for row in a.rows
        for source in row.sources
    }
    assert in_code == TABLE


@pytest.mark.parametrize(("action", "source"), PLAIN)
def test_allowed_transition_moves_and_writes_history(reach, admin, action, source):
    enrollment = reach(source)
    before = History.objects.filter(enrollment=enrollment).count()

    result = services.perform(enrollment.pk, action, admin, reason="because", now=at(TODAY))

    assert result.status == TABLE[(action, source)]
    row = History.objects.filter(enrollment=enrollment, action=action).get()
    assert (row.from_status, row.to_status, row.reason, row.actor) == (
        source,
        TABLE[(action, source)],
        "because",
        admin.label,
    )
    assert History.objects.filter(enrollment=enrollment).count() > before


@pytest.mark.parametrize(("action", "source"), [k for k in ALL if k not in TABLE])
def test_transition_not_in_the_table_is_refused_and_changes_nothing(reach, admin, action, source):
    enrollment = reach(source)
    snapshot = Enrollment.objects.filter(pk=enrollment.pk).values().get()
    history = History.objects.count()

    with pytest.raises(Refused) as refused:
        services.perform(enrollment.pk, action, admin, reason="because", now=at(TODAY))

    assert Status(source).label in refused.value.message
    assert Enrollment.objects.filter(pk=enrollment.pk).values().get() == snapshot
    assert History.objects.count() == history


def test_reactivating_with_requirements_met_goes_straight_to_active(reach, admin):
    enrollment = reach("inactive")
    component = enrollment.program.components.get()
    services.record_completion(enrollment.contact_id, component.pk, TODAY, admin, now=at(TODAY))
    assert Enrollment.objects.get(pk=enrollment.pk).status == "inactive"  # only In progress moves

    result = services.perform(enrollment.pk, "reactivate", admin, now=at(TODAY))

    assert result.status == "active"
    assert result.activated_on == TODAY and result.certificate_number


def test_returning_for_more_work_does_not_bounce_back_to_admin_review(reach, admin):
    enrollment = reach("admin_review")
    result = services.perform(enrollment.pk, "return_to_in_progress", admin, now=at(TODAY))
    assert result.status == "in_progress"


def test_approving_an_admin_review_activates_on_the_day_of_approval(reach, admin):
    from datetime import timedelta

    enrollment = reach("admin_review")
    approval_day = TODAY + timedelta(days=3)
    result = services.perform(enrollment.pk, "approve_completion", admin, now=at(approval_day))
    assert (result.status, result.activated_on, result.expires_on) == (
        "active",
        approval_day,
        approval_day.replace(year=approval_day.year + 1),
    )
    assert result.certificate_number.startswith("CT-")


def test_cancelling_an_expired_certification_keeps_its_certificate_number(reach, admin):
    enrollment = reach("expired")
    number = enrollment.certificate_number
    result = services.perform(enrollment.pk, "cancel", admin, now=at(TODAY))
    assert result.status == "cancelled" and result.certificate_number == number
    history = list(
        History.objects.filter(enrollment=enrollment).values_list("from_status", "to_status")
    )
    assert ("expired", "cancelled") in history


def test_unknown_action_and_unknown_enrollment_are_refused(reach, admin):
    enrollment = reach("applied")
    with pytest.raises(Invalid, match="Unknown action 'promote'"):
        services.perform(enrollment.pk, "promote", admin)
    with pytest.raises(NotFound, match="No enrollment with id 999999"):
        services.perform(999999, "approve", admin)
    with pytest.raises(NotFound):
        services.perform("abc", "approve", admin)
    assert Enrollment.objects.get(pk=enrollment.pk).status == "applied"
