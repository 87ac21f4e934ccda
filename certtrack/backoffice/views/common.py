"""What every back-office view needs: today, the actor, a safe return address."""

from django.http import HttpRequest

from certtrack import clock
from certtrack.certification.actors import Actor
from certtrack.certification.dates import AsOf
from certtrack.certification.models import (
    GeneralSettings,
)


def today_as_of() -> AsOf:
    """The organization's today and notice days, now."""
    return GeneralSettings.get().as_of(clock.now())


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in staff user, as History records them."""
    return Actor.staff(request.user)


def back_to(request: HttpRequest, fallback: str) -> str:
    """A same-site `next` target, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/staff/") else fallback


def current_zone() -> str:
    """The organization's time zone (General Settings): history times are shown in it."""
    return GeneralSettings.get().time_zone
