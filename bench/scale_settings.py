"""Bench-only settings for bench/scale_measure.py: the product's settings (DEBUG off, from the
environment) with the bench URLconf that adds a bare view. Never used by the product."""

from lehuo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.scale_urls"
