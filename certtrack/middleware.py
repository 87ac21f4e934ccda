"""Site-wide policies: private responses never cached, sessions end when left idle."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Staff pages, their exports, the API and members' own pages: never kept by a browser
# or a proxy (a shared computer's back button or disk cache shows nothing after sign-out).
PRIVATE_PREFIXES = ("/staff/", "/api/", "/portal/")


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and no-cache, must-revalidate) on private responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            add_never_cache_headers(response)
        return response


# A session's end moves back at most this often (a write to the session table, not one
# per request: SQLite serialises writers, and htmx pages send requests in bursts).
TOUCH_EVERY = 60  # seconds
_SEEN = "_seen"


class SessionIdleMiddleware:
    """Sessions last SESSION_COOKIE_AGE past their last use (to within TOUCH_EVERY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if not session.is_empty():
            now = int(time.time())
            # No stamp yet: a session saved outside a request, with its full age ahead.
            if now - session.get(_SEEN, now) >= TOUCH_EVERY:
                session[_SEEN] = now  # modified: saved with a new expiry and cookie max-age
        response = self.get_response(request)
        if session.modified and not session.is_empty():
            session[_SEEN] = int(time.time())  # saved anyway: the stamp is free
        return response


@receiver(user_logged_in, dispatch_uid="certtrack.session_seen")
def _stamp_sign_in(sender, request: HttpRequest, **kwargs) -> None:
    """A new session starts seen: its first request does not write it again."""
    request.session[_SEEN] = int(time.time())
