"""The product's URLs plus one view that fails: what an unexpected bug looks like."""

from django.urls import path

from certtrack.urls import urlpatterns as product


def broken(request):
    raise RuntimeError("the view fell over")


urlpatterns = [path("broken/", broken), *product]
