"""The `rectify` console command: a thin wrapper over Django's management commands.

`rectify demo`, `rectify migrate`, `rectify shell` … are `manage.py demo` and so on, with the
settings module preset, so scripts need not know where manage.py lives.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rectify", *sys.argv[1:]])


if __name__ == "__main__":  # `python -m rectify.cli …`, as the demo starts its worker
    main()
