"""Time the portal sign-in answer for a known and an unknown address (docs/security.md).

`python -m bench.signin_timing [N]`: a throwaway SQLite data dir, one contact, N requests
per address (alternating, each from its own IP so no rate limit applies). Prints the
median time to the answer (the view returning) and to the end (the response closed: link,
outbox row, email sent to Django's in-memory mail backend) for each, and their ratio.
"""

import os
import statistics
import sys
import tempfile
import time


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    os.environ["CERTTRACK_DATA_DIR"] = tempfile.mkdtemp(prefix="signin-bench-")
    os.environ["CERTTRACK_EMAIL_URL"] = "locmem"
    os.environ.pop("CERTTRACK_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    import django

    django.setup()
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.management import call_command
    from django.test import RequestFactory

    from certtrack.certification.models import Contact
    from certtrack.portal import views

    call_command("migrate", verbosity=0)
    Contact.objects.create(first_name="Pat", last_name="Lee", email="pat@example.org")
    factory = RequestFactory()
    answer: dict[str, list[float]] = {"known": [], "unknown": []}
    whole: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(rounds):
        for name, email in (("known", "pat@example.org"), ("unknown", "nobody@example.org")):
            ip = f"10.{n // 250}.{n % 250}.{1 if name == 'known' else 2}"
            request = factory.post("/portal/sign-in/", {"email": email}, REMOTE_ADDR=ip)
            SessionMiddleware(lambda r: None).process_request(request)
            started = time.perf_counter()
            response = views.sign_in(request)
            answered = time.perf_counter()
            response.close()
            ended = time.perf_counter()
            answer[name].append((answered - started) * 1000)
            whole[name].append((ended - started) * 1000)
    for label, times in (("answer", answer), ("whole request", whole)):
        known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
        print(
            f"{label:14} known {known:6.2f} ms  unknown {unknown:6.2f} ms"
            f"  ratio {known / unknown:4.2f}  (median of {rounds})"
        )


if __name__ == "__main__":
    main()
