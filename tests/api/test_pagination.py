import pytest

from .conftest import error_detail

LISTS = ["/contacts", "/components", "/programs", "/enrollments"]


@pytest.mark.parametrize("path", LISTS)
def test_lists_have_the_page_envelope(api, path, make_contact, make_program):
    make_contact()
    make_program()
    body = api.get(path, {"page_size": 1}).json()
    assert set(body) == {"count", "page", "page_size", "results"}
    assert body["page"] == 1 and body["page_size"] == 1 and len(body["results"]) <= 1


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("params", [{"page": 0}, {"page": "two"}, {"page_size": 0}])
def test_a_bad_page_is_a_bad_request(api, path, params):
    detail = error_detail(api.get(path, params), 400)
    assert next(iter(params)) in detail


@pytest.mark.parametrize("path", LISTS)
def test_a_page_past_the_end_is_empty(api, path):
    body = api.get(path, {"page": 99}).json()
    assert body["results"] == [] and body["page"] == 99


@pytest.mark.parametrize("path", LISTS)
def test_a_page_size_over_500_is_served_as_500_and_says_so(api, path):
    # docs/decisions.md: the most a client may have, with the size it got to page on.
    body = api.get(path, {"page_size": 1000}).json()
    assert body["page_size"] == 500 and body["page"] == 1


def test_a_malformed_path_id_names_nothing(api):
    response = api.get("/enrollments/abc")
    assert response.status_code == 404
    assert response.json()["field"] == "id" and "integer" in response.json()["detail"]


def test_a_bad_page_parameter_is_named_as_every_bad_query_parameter_is(api):
    """A 400 names the query parameter at fault as `parameter` (the Error schema), whether
    the framework or the domain found it (an API trial saw `field` for `page=0`)."""
    for params, name in [({"page": "0"}, "page"), ({"page_size": "abc"}, "page_size")]:
        response = api.get("/enrollments", params)
        assert response.status_code == 400, response.content
        assert response.json()["parameter"] == name and "field" not in response.json()
    assert api.get("/enrollments", {"status": "bogus"}).json()["parameter"] == "status"
