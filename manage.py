#!/usr/bin/env python
"""Developer entry point: development defaults (DEBUG on, development keys) unless the
environment says otherwise. Servers use `python -m lehuo`, which is secure by default
(DEBUG off; SECRET_KEY, LEHUO_FIELD_KEYS and LEHUO_HASH_KEY required)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lehuo.settings")
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
