"""Bench-only settings for ``bench/rush_make_run.py``: `make run`'s settings plus ``/bench/bare/``
(``bench/daycare_urls.py``), the baseline on the same server. Never used by the product."""

from lehuo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.daycare_urls"
