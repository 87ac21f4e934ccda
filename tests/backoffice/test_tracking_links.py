"""The Tracking tab's links keep how the list is shown (a staff trial, session 32): a
quick filter keeps the sort and rows per page, page links carry no stray "&", and a
row's initials are capitals whatever the name's case."""

import re

import pytest

pytestmark = pytest.mark.django_db


def quick(admin_client, **params) -> dict:
    return admin_client.get("/staff/tracking/quick/", params).context["quick"]


def test_a_quick_filter_keeps_the_sort_and_the_rows_per_page(admin_client, enroll):
    enroll("active")
    options = quick(admin_client, ordering="-contact", per_page="25", status="expired")
    assert all("ordering=-contact" in o["url"] for o in options["statuses"])
    assert all("per_page=25" in o["url"] for o in options["statuses"])
    assert options["keep"] == {"ordering": "-contact", "per_page": "25"}
    html = admin_client.get("/staff/tracking/", {"ordering": "-contact"}).content.decode()
    program_form = html.split('class="quick-program"')[1].split("</form>")[0]
    assert '<input type="hidden" name="ordering" value="-contact">' in program_form
    # The defaults are not repeated in every link.
    plain = quick(admin_client)
    assert plain["keep"] == {} and [o["url"] for o in plain["statuses"]][:2] == [
        "?",
        "?status=in_progress",
    ]


def test_page_links_of_the_default_list_have_no_stray_ampersand(admin_client, enroll):
    for _ in range(51):  # one more than a default page
        enroll("active")
    html = admin_client.get("/staff/tracking/").content.decode()
    assert 'href="?page=2"' in html
    assert not re.search(r'href="\?&(amp;)?page=', html)


def test_initials_are_capitals(admin_client, enroll):
    row = enroll("active", first_name="ada", last_name="van Rossum")
    html = admin_client.get("/staff/tracking/").content.decode()
    cells = html.split(f'<tr data-enrollment="{row.pk}">')[1].split("</tr>")[0]
    assert ">AV</span>" in cells
