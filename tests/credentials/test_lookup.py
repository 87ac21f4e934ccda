"""`/verify/` without a number: a public page that asks for one (and, optionally, a day),
goes on to that number's verification, and says what to fix when the input is bad."""

import re


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def test_verify_without_a_number_asks_for_one(client, db):
    response = client.get("/verify/")
    assert response.status_code == 200
    html = page_text(response)
    assert "<title>Verify a certificate · Guild of Safety Inspectors</title>" in html
    assert '<h1 id="ask-title">Verify a certificate</h1>' in html
    form = re.search(r'<form class="lookup" action="/verify/" method="get">.*?</form>', html)
    assert form and 'name="number"' in form[0] and 'name="on" type="date"' in form[0]
    assert "https://" not in html.replace("https://certs.example.org", "")  # no CDN


def test_an_empty_number_comes_back_with_a_message(client, db):
    response = client.get("/verify/", {"number": "  ", "on": ""})
    assert response.status_code == 400
    html = page_text(response)
    assert "Type the certificate number printed on the certificate." in html
    assert 'aria-invalid="true" aria-describedby="number-error"' in html


def test_a_number_goes_on_to_its_verification_as_typed(certified, client):
    number = certified.certificate_number
    response = client.get("/verify/", {"number": number.lower(), "on": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{number}"


def test_a_number_and_a_day_go_on_to_that_days_verification(certified, client):
    number = certified.certificate_number
    response = client.get("/verify/", {"number": number, "on": "2026-05-01"}, follow=True)
    assert response.redirect_chain == [(f"/verify/{number}?on=2026-05-01", 302)]
    assert "Valid on 1 May 2026: yes" in page_text(response)


def test_a_day_that_is_not_a_date_comes_back_with_a_message(certified, client):
    number = certified.certificate_number
    response = client.get("/verify/", {"number": number, "on": "2026-02-30"})
    assert response.status_code == 400
    html = page_text(response)
    assert "The day asked for must be a real day (YYYY-MM-DD), not &#x27;2026-02-30&#x27;." in html
    assert f'value="{number}"' in html  # what was typed stays in the box


def test_an_unknown_number_is_not_found_as_on_its_verification_page(client, db):
    response = client.get("/verify/", {"number": "CT-0000-0000-0000"}, follow=True)
    assert response.redirect_chain == [("/verify/CT-0000-0000-0000", 302)]
    assert response.status_code == 404
    assert "Certificate not found" in page_text(response)


def test_a_number_no_address_can_hold_is_not_found_either(client, db):
    response = client.get("/verify/", {"number": "CT/1234"})
    assert response.status_code == 404
    html = page_text(response)
    assert "Certificate not found" in html and "CT/1234" in html
