import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from certtrack import clock
from certtrack.operations import passes
from certtrack.operations.tally import counting

log = logging.getLogger("certtrack.worker")


# The one step that takes an argument besides `now`: `--flush` retries waiting emails at once.
FLUSH_STEP = "deliver_due"


def step_arguments(flush: bool) -> dict[str, dict]:
    """The keyword arguments each step is called with besides `now`, by step name."""
    return {FLUSH_STEP: {"flush": True}} if flush else {}


def run_pass(flush: bool = False) -> dict[str, int]:
    """One full pass: every step of CERTTRACK_WORKER_STEPS, each given the same `now`
    (and the arguments `step_arguments` names for it).

    The pass is recorded (operations.passes): what each step returned, what it tallied,
    which steps failed and why.
    """
    now = clock.now()
    arguments = step_arguments(flush)
    results, errors = {}, {}
    with counting() as tallies:
        for path in settings.CERTTRACK_WORKER_STEPS:
            name = path.rsplit(".", 1)[-1]
            step = import_string(path)
            _reconnect_if_broken()
            try:
                results[name] = step(now, **arguments.get(name, {}))
            except Exception as error:  # one failing step must not stop the others, nor the loop
                log.exception("worker step %s failed", path)
                results[name] = -1
                errors[name] = f"{type(error).__name__}: {error}"[:2000]
    _reconnect_if_broken()
    passes.record(now, clock.now(), results, errors, tallies)
    return results


def _reconnect_if_broken() -> None:
    """What a web request's start does: drop a connection that failed or is too old.

    With CONN_HEALTH_CHECKS the next query then checks the connection and reopens it, so
    a PostgreSQL restart, failover or idle timeout costs at most one failed step.
    """
    if not connection.in_atomic_block:  # never inside a caller's transaction (tests)
        close_old_connections()


class Command(BaseCommand):
    help = "Record time transitions and deliver email; --once for one pass (cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Do one full pass; exit non-zero if a step failed."
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Also retry at once the emails waiting out a retry delay.",
        )
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between passes (loop mode)."
        )

    def handle(self, *args, once=False, flush=False, interval=10.0, **options):
        if once:
            results = run_pass(flush=flush)
            self.stdout.write("worker pass: " + ", ".join(f"{k}={v}" for k, v in results.items()))
            if failed := [step for step, count in results.items() if count < 0]:
                # Non-zero exit: cron and systemd see the failure (the traceback is logged above).
                raise CommandError(
                    f"worker step(s) failed: {', '.join(f'{s} failed' for s in failed)}"
                )
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write(f"worker running, a pass every {interval:g}s (Ctrl-C to stop)")
        first = True
        try:
            while not stopping:
                run_pass(flush=flush and first)
                first = False
                for _ in range(int(interval * 10)):
                    if stopping:
                        break
                    time.sleep(0.1)
        except KeyboardInterrupt:
            pass
        self.stdout.write("worker stopped")
