"""`python -m lehuo <command>` is `manage.py <command>`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lehuo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m lehuo", *sys.argv[1:]])


if __name__ == "__main__":
    main()
