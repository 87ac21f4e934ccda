"""Run the CSV export in a process of its own; print rows, seconds and peak memory (JSON).

`python -m bench.export_probe`: a fresh process, so its peak resident memory
(`getrusage` maxrss) is the export's and not the benchmark's.
"""

import json
import resource
import time

from . import env


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    env.setup()
    from django.test import Client

    from certtrack.accounts.models import ApiToken, User

    user, _ = User.objects.get_or_create(
        email="bench@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    _, key = ApiToken.issue(user, "benchmark export")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    baseline = _rss_mb()
    started = time.perf_counter()
    response = client.get("/api/v1/enrollments/export.csv")
    if response.status_code != 200:
        raise SystemExit(f"export: HTTP {response.status_code}")
    lines = 0
    size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": lines - 1,  # the header
                "seconds": seconds,
                "bytes": size,
                "maxrss_mb": _rss_mb(),
                "baseline_mb": baseline,
            }
        )
    )


if __name__ == "__main__":
    main()
