"""A fresh data dir is the operator's alone: directories 0700, files 0600."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ON_POSTGRES

# A first start under a permissive umask (as a shell or service manager may hand over):
# migrate (SQLite file and WAL), a signing key, an uploaded evidence file; then every
# path's mode is listed while the database connection is still open (the WAL exists).
FIRST_START = """
import json, os, stat
os.umask(0o022)
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from certtrack.credentials.keys import current_key
call_command("migrate", verbosity=0)
current_key()
default_storage.save("evidence/2026/06/proof.pdf", ContentFile(b"%PDF"))
modes = {}
for root, dirs, files in os.walk(settings.DATA_DIR):
    for name in [".", *dirs, *files]:
        path = os.path.normpath(os.path.join(root, name))
        kind = "dir" if os.path.isdir(path) else "file"
        mode = oct(stat.S_IMODE(os.stat(path).st_mode))
        modes[os.path.relpath(path, settings.DATA_DIR)] = [kind, mode]
print(json.dumps(modes))
"""


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite files are among those checked")
def test_a_first_start_creates_the_data_dir_0700_and_its_files_0600(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTTRACK_")}
    env |= {"CERTTRACK_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run(
        [sys.executable, "-c", FIRST_START], env=env, capture_output=True, text=True, check=True
    )
    modes = json.loads(run.stdout.strip().splitlines()[-1])
    expected = {"secret_key", "certtrack.sqlite3", "certtrack.sqlite3-wal", "keys/0001.pem"}
    assert expected | {"files/evidence/2026/06/proof.pdf", "."} <= set(modes)
    wrong = {
        path: mode
        for path, (kind, mode) in modes.items()
        if mode != ("0o700" if kind == "dir" else "0o600")
    }
    assert wrong == {}
