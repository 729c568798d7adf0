"""Every user string in the sources has its Simplified Chinese translation.

The interface is Chinese by default: a string added without its catalogue entry shows in
English to every user. The check regenerates the catalogues the way `make messages` does, in a
copy of the tracked files (the working tree stays as it is), and asks gettext for entries that
are empty or fuzzy (gettext skips fuzzy ones at run time)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext is not installed (make system-packages)"
)


def tracked_copy(target: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    return target


def entries(po: Path, *flags: str) -> list[str]:
    found = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *flags, str(po)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    # The header (msgid "") is the catalogue's own metadata, not a user string.
    return [line for line in found.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_user_string_has_its_chinese_translation(tmp_path):
    copy = tracked_copy(tmp_path / "src")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=.venv",
         "--ignore=var", "--ignore=tests", "--ignore=bench"],
        cwd=copy, check=True, capture_output=True,
        env={"PATH": os.environ["PATH"],
             "DJANGO_SETTINGS_MODULE": "branchservice.settings.dev"},
    )  # fmt: skip
    missing = {
        str(po.relative_to(copy)): entries(po, "--untranslated") + entries(po, "--only-fuzzy")
        for po in sorted(copy.rglob("zh_Hans/LC_MESSAGES/django.po"))
    }
    assert {po: ids for po, ids in missing.items() if ids} == {}
