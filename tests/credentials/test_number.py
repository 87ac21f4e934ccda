"""The certificate number: given once, on becoming Active; readable; unique; kept for life."""

import re
from datetime import date

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.credentials.certificates import issuer_name

# Crockford base32: no I, L, O or U, so it reads back unambiguously from paper.
NUMBER = re.compile(r"^CT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_an_enrollment_gets_its_number_when_it_becomes_active(certified):
    assert NUMBER.match(certified.certificate_number)


def test_numbers_are_unique_and_not_in_sequence():
    numbers = [services.new_certificate_number() for _ in range(2000)]
    assert all(NUMBER.match(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    # Random, not counted: consecutive numbers share no long common prefix.
    bodies = [n.replace("-", "")[2:] for n in numbers]
    shared = sum(a[:4] == b[:4] for a, b in zip(bodies, bodies[1:], strict=False))
    assert shared < 5


def test_number_is_kept_when_the_certification_expires_or_is_cancelled(certified, admin, travel):
    number = certified.certificate_number
    travel(date(2028, 3, 5))
    services.perform(certified.pk, "cancel", admin, reason="Lapsed")
    assert Enrollment.objects.get(pk=certified.pk).certificate_number == number


def test_enrollment_not_yet_active_has_no_number(admin, make_contact, make_program):
    assert services.add(make_contact().pk, make_program().pk, admin).certificate_number is None


def test_issuer_name_defaults_to_certtrack(db, settings):
    settings.CERTTRACK_ISSUER_NAME = None
    assert issuer_name() == "certtrack"
    settings.CERTTRACK_ISSUER_NAME = "Board of Examiners"
    assert issuer_name() == "Board of Examiners"


def test_the_organization_name_of_general_settings_is_the_issuer(db, admin, settings):
    from certtrack.certification import services

    settings.CERTTRACK_ISSUER_NAME = "Board of Examiners"
    services.update_settings(admin, organization_name="  Guild of Rope Access  ")
    assert issuer_name() == "Guild of Rope Access"


def test_faces_offer_the_certificate_only_while_certified(certified, admin, travel):
    from certtrack import clock
    from certtrack.certification.models import GeneralSettings
    from certtrack.credentials.certificates import has_certificate

    def offered() -> bool:
        enrollment = Enrollment.objects.get(pk=certified.pk)
        return has_certificate(enrollment, GeneralSettings.get().as_of(clock.now()))

    assert offered()
    travel(date(2028, 3, 2))  # Expired: the certificate still says what it said
    assert offered()
    services.perform(certified.pk, "cancel", admin, reason="Revoked")
    assert not offered()


def test_enrollment_in_progress_offers_no_certificate(admin, make_contact, make_program):
    from certtrack import clock
    from certtrack.certification.models import GeneralSettings
    from certtrack.credentials.certificates import has_certificate

    enrollment = services.add(make_contact().pk, make_program().pk, admin)
    assert not has_certificate(enrollment, GeneralSettings.get().as_of(clock.now()))
