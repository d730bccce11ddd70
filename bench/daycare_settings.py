"""Bench-only settings: the product's settings plus a bare view to compare against
(``bench/daycare_urls.py``). Never used by the product."""

from lehuo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.daycare_urls"
