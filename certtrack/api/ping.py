"""`GET /api/v1/ping`: an authenticated call that does nothing.

It measures the framework's fixed cost (routing, token check, JSON) — the benchmark
subtracts it from every API figure — and lets an integration check its token.
"""

from django.http import HttpRequest
from ninja import Router, Schema

from .common import errors

router = Router()


class Pong(Schema):
    pass


@router.get("/ping", response={200: Pong, **errors()}, tags=["meta"])
def ping(request: HttpRequest) -> dict:
    """An empty authenticated answer: `{}` (401 without a valid token)."""
    return {}
