"""The `certtrack` console script: Django's manage.py under the product's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "certtrack"
    # Commands named as people type them; Django's are module names (underscores).
    if len(argv) > 1 and argv[1] in ("rebuild-counts", "rebuild-progress"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
