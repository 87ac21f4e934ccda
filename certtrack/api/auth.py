"""Bearer-token authentication for the REST API (tokens from `certtrack apitoken`)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from certtrack import clock
from certtrack.accounts.models import ApiToken
from certtrack.certification.actors import Actor


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = ApiToken.objects.authenticate(token)
        if api_token is not None:
            api_token.touch(clock.now())
            request.api_token = api_token
        return api_token


def actor(request: HttpRequest) -> Actor:
    """Who is calling, as History records it."""
    return Actor.api(request.auth)
