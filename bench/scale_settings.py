"""Bench-only settings for bench/scale_measure.py: the product's settings (DEBUG off, from the
environment) with the bench URLconf that adds a bare view. Never used by the product."""

from lehuo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.scale_urls"
# Pages are measured, not static files: plain static URLs, so no collectstatic (hashed names
# and its manifest) is needed before a run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
