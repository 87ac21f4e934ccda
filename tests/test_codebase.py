"""What a reviewer checks on the code itself (issue 17): modules a newcomer can read, and
the environment read in one place. (Complexity and statements: ruff's C901 and PLR0915 in
pyproject.toml; the import contracts: `lint-imports`; both in `.ci/run`.)"""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "certtrack"
MAX_LINES = 500


def sources():
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_no_module_is_over_500_lines_except_migrations():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_certtrack_environment_variables_are_read_in_settings_only():
    reads = re.compile(r"os\.environ|getenv\(")
    readers = {
        str(p.relative_to(PACKAGE))
        for p in sources()
        for line in p.read_text(encoding="utf-8").splitlines()
        if reads.search(line) and "DJANGO_SETTINGS_MODULE" not in line
    }
    assert readers == {"settings.py"}
