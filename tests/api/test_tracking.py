"""The shared pieces the API reads through: `tracking_queryset` and `progress_of_many`."""

from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.dates import AsOf
from certtrack.certification.requirements import evaluate, progress_of_many
from certtrack.certification.tracking import BadFilter, tracking_queryset

AS_OF = AsOf(date(2027, 1, 15), 30)


def test_tracking_queryset_takes_a_plain_mapping_and_ignores_other_keys(db):
    rows = tracking_queryset({"page": "3", "status": "", "q": "  "}, AS_OF)
    assert list(rows) == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"status": "done"}, "status"),
        ({"program": "1;DROP"}, "program"),
        ({"ordering": "name"}, "ordering"),
        ({"expires_within_days": "1.5"}, "expires_within_days"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_a_bad_filter_names_its_parameter(db, params, parameter):
    with pytest.raises(BadFilter) as refused:
        tracking_queryset(params, AS_OF)
    assert refused.value.parameter == parameter
    assert parameter in refused.value.message


def test_counts_leave_the_status_filter_out_but_still_check_it(db):
    assert tracking_queryset({"status": "active"}, AS_OF, by_status=False).count() == 0
    with pytest.raises(BadFilter):
        tracking_queryset({"status": "bogus"}, AS_OF, by_status=False)


def test_progress_of_many_agrees_with_evaluate_with_prerequisites(
    admin, make_contact, make_component, make_program
):
    basics = make_component(credits_earned=1)
    advanced = make_component(credits_earned=2, prerequisite_ids=[basics.pk])
    elective = make_component(credits_earned=5)
    program = make_program(required=[advanced], electives=[elective], credits_required=10)
    other = make_program(required=[basics])
    contacts = [make_contact() for _ in range(3)]
    services.record_completion(contacts[0].pk, basics.pk, date(2026, 1, 1), admin)
    services.record_completion(contacts[0].pk, advanced.pk, date(2026, 2, 1), admin)
    services.record_completion(contacts[1].pk, elective.pk, date(2026, 1, 1), admin)
    rows = {
        (p.pk, c.pk): services.add(c.pk, p.pk, admin) for p in (program, other) for c in contacts
    }
    many = progress_of_many(rows.values(), AS_OF.today)
    for row in rows.values():
        one = evaluate(row, AS_OF.today)
        assert many[row.pk].as_dict() == one.as_dict()
        assert many[row.pk].done == one.done
    assert many[rows[(program.pk, contacts[0].pk)].pk].as_dict()["required_done"] == 1
    assert many[rows[(program.pk, contacts[1].pk)].pk].as_dict()["credits_earned"] == 5.0
