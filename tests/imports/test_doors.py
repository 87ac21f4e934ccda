"""Each kind through the command line and the API (the back-office: test_backoffice.py)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from certtrack.certification.models import Contact, History

from .conftest import FILES, WRITES, counts, csv_bytes, xlsx_bytes


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", sorted(FILES))
def test_command_line_imports_each_kind(kind, ready, tmp_path):
    ready(kind)
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(xlsx_bytes(FILES[kind]))
    before = counts()
    out, _ = command(kind, str(path), "--dry-run")
    assert "1 would be created" in out and counts() == before
    out, _ = command(kind, str(path))
    assert "1 were created" in out
    assert WRITES[kind].objects.count() == (1 if kind != "contacts" else 1)
    assert History.objects.filter(actor_kind="import").exists()
    out, _ = command(kind, str(path))
    assert "Nothing changed" in out


def test_command_line_prints_each_bad_row_and_exits_1(db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes([["email", "first_name", "last_name"], ["x", "", "Y"]]))
    with pytest.raises(CommandError) as raised:
        command("contacts", str(path))
    assert raised.value.returncode == 1
    out = io.StringIO()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "contacts", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "line 2, column email: x is not an email address",
        "line 2, column first_name: a value is required",
    ]
    assert not Contact.objects.exists()
    # The summary once (API.md: the bad lines, then a summary), then what to do.
    assert out.getvalue() == "2 error(s) in 1 row(s): nothing was written.\n"
    assert str(raised.value) == "Fix the lines above and import the file again."
    # A file refused by its header has no rows to speak of.
    path.write_bytes(csv_bytes([["email", "first_name"], ["a@example.org", "A"]]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "contacts", str(path), stdout=out, stderr=io.StringIO())
    assert out.getvalue() == "1 error(s) in the file: nothing was written.\n"


def test_command_line_refuses_a_missing_file_with_2(db):
    with pytest.raises(CommandError) as raised:
        command("contacts", "/nonexistent.csv")
    assert raised.value.returncode == 2


def post(api_key, kind, data: bytes, name="f.csv", dry_run=None):
    form = {"kind": kind, "file": io.BytesIO(data)}
    form["file"].name = name
    if dry_run is not None:
        form["dry_run"] = "true" if dry_run else "false"
    return Client().post("/api/v1/imports", form, HTTP_AUTHORIZATION=f"Bearer {api_key}")


@pytest.mark.parametrize("kind", sorted(FILES))
def test_api_imports_each_kind(kind, ready, api_key):
    ready(kind)
    data = csv_bytes(FILES[kind])
    before = counts()
    dry = post(api_key, kind, data, dry_run=True)
    assert dry.status_code == 200, dry.content
    assert dry.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "errors": []}
    assert counts() == before
    written = post(api_key, kind, data)
    assert written.status_code == 201 and written.json()["created"] == 1
    again = post(api_key, kind, data)
    assert again.status_code == 201 and again.json()["unchanged"] == 1


def test_api_bad_rows_are_422_with_every_error(db, api_key):
    data = csv_bytes([["email", "first_name", "last_name", "shoe"]])
    response = post(api_key, "contacts", data)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 1, "column": "shoe", "message": response.json()["errors"][0]["message"]}
    ]
    assert "unknown column shoe" in response.json()["errors"][0]["message"]
    assert sorted(response.json()) == ["detail", "errors"]  # no keys padded with nulls


def test_api_unknown_kind_is_422_and_no_token_401(db, api_key):
    assert post(api_key, "people", b"x").status_code == 422
    assert Client().post("/api/v1/imports", {"kind": "contacts"}).status_code == 401


def test_imports_from_the_command_line_and_the_api_are_listed_with_uploads(
    ready, tmp_path, api_key, admin_client
):
    """A new user's trial: "Recent imports" listed only the back-office's uploads, so an
    import run from the command line or through the API left no trace on the page."""
    from certtrack.imports.models import ImportJob

    ready("contacts")
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(FILES["contacts"]))
    command("contacts", str(path), "--dry-run")
    assert (
        post(api_key, "contacts", csv_bytes(FILES["contacts"]), name="crm.csv").status_code == 201
    )
    (tmp_path / "bad.csv").write_bytes(csv_bytes([["email", "first_name"], ["x", "A"]]))
    with pytest.raises(CommandError):
        command("contacts", str(tmp_path / "bad.csv"))

    cli_dry, api, cli_bad = ImportJob.objects.order_by("id")
    assert (cli_dry.filename, cli_dry.dry_run, cli_dry.state, cli_dry.result["created"]) == (
        "people.csv",
        True,
        "done",
        1,
    )
    assert (api.filename, api.dry_run, api.result["created"]) == ("crm.csv", False, 1)
    assert cli_bad.result["summary"] == "1 error(s) in the file: nothing was written."
    assert not any(bytes(job.data) for job in (cli_dry, api, cli_bad))  # no file kept

    page = admin_client.get("/staff/setup/import/").content.decode()
    for job in (cli_dry, api, cli_bad):
        assert f'href="/staff/setup/import/{job.pk}/">{job.filename}</a>' in page
    assert "<td>the command line</td>" in page and "<td>owner@example.com (API)</td>" in page

    dry = admin_client.get(f"/staff/setup/import/{cli_dry.pk}/").content.decode()
    assert "imported" in dry and "by the command line" in dry
    # Its file was not kept: no button to confirm it, but how to write it.
    assert "Import these" not in dry and "without <code>--dry-run</code>" in dry
    assert admin_client.post(f"/staff/setup/import/{cli_dry.pk}/confirm/").status_code == 404
    assert ">create</span>" in dry
    # A file refused by its header: no "0 / ? rows" beside "Done.".
    refused = admin_client.get(f"/staff/setup/import/{cli_bad.pk}/").content.decode()
    assert "0 rows read" in refused and "/ ? rows" not in refused
