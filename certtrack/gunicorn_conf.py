"""gunicorn settings for `certtrack serve` (loaded with `-c python:certtrack.gunicorn_conf`).

gunicorn answers some bad requests itself, before Django sees them: 414 (request line too
long), 431 (headers too large or too many), 400 (malformed). Its body is an HTML page; the
API's contract is JSON `{"detail": ...}` for every error, and at that point the path is not
known yet, so these few protocol-level answers are JSON for every path.
"""

import json

from gunicorn import util


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
