"""gunicorn settings for `certtrack serve` (loaded with `-c python:certtrack.gunicorn_conf`).

gunicorn answers some bad requests itself, before Django sees them: 414 (request line too
long), 431 (headers too large or too many), 400 (malformed). Its body is an HTML page; the
API's contract is JSON `{"detail": ...}` for every error, and at that point the path is not
known yet, so these few protocol-level answers are JSON for every path.
"""

import contextlib
import json
import os
import signal
import sys

from gunicorn import util

# gunicorn 27 opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl):
# a second `certtrack serve` on the machine (another port, the tests) would take it over
# from the first, and nothing in certtrack uses it (docs/decisions.md, `certtrack serve`).
control_socket_disable = True


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error` with a JSON body instead of an HTML page."""
    body = json.dumps({"detail": f"{reason}: {mesg}" if mesg else reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    ).encode("latin1")
    util.write_nonblock(sock, head + body)


# gunicorn's workers call `util.write_error` by attribute, so replacing it here (the master
# imports this file before forking) changes every worker's error answers.
util.write_error = write_json_error


def post_worker_init(worker) -> None:
    """Ctrl-C and gunicorn's quick shutdown (SIGINT, SIGQUIT) end a worker at once.

    Ctrl-C in a terminal sends SIGINT to every process of the group, and the master then
    sends each worker SIGQUIT: two signals back to back. gunicorn's handler for them shuts
    its thread pool down under a lock; the second signal landing inside the first handler
    waits for that lock forever, and the worker only goes when the master kills it after
    `graceful_timeout` (30 s, logged "was sent SIGKILL! Perhaps out of memory?"). A quick
    shutdown drops requests in flight anyway: leave without taking any lock. SIGTERM
    (systemd, `docker stop`) stays gunicorn's graceful shutdown.
    """

    def leave(signum, frame) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, RuntimeError):  # RuntimeError: mid-write
                stream.flush()
        os._exit(0)

    signal.signal(signal.SIGINT, leave)
    signal.signal(signal.SIGQUIT, leave)
