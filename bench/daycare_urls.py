"""Bench-only URLconf: lehuo.urls plus ``/bench/bare/``, a trivial view on the same server
and middleware stack, the baseline for ``bench/enrol_burst.py``."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from lehuo.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), *product_urlpatterns]
