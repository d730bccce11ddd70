"""Bench-only URLconf for bench/scale_measure.py: lehuo.urls plus ``/bench/bare/``, a trivial
view behind the same middleware (session, auth, CSP...), the per-request baseline."""

from django.http import HttpResponse
from django.urls import path

from lehuo.urls import urlpatterns as product_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *product_urlpatterns]
