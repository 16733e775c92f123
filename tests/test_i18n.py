"""The zh_Hans catalogue is complete, compiled, and covers every string in the source."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
# Not the project's own source: what `make messages` ignores, plus the catalogue.
NOT_SOURCE = {"bench", "locale", "node_modules", "staticfiles", "tests", "var"}

type Key = tuple[str | None, str, str]  # (msgctxt, msgid, msgid_plural)


def key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def describe(key: Key) -> str:
    msgctxt, msgid, msgid_plural = key
    text = f"{msgid!r}" + (f" / {msgid_plural!r}" if msgid_plural else "")
    return f"[{msgctxt}] {text}" if msgctxt else text


def translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict:
    return {
        key(entry): entry.msgstr
        if not entry.msgid_plural
        else tuple(sorted(entry.msgstr_plural.items()))
        for entry in entries
        if entry.msgid  # the header
    }


def test_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    catalogue = polib.pofile(str(PO_PATH))

    untranslated = [describe(key(entry)) for entry in catalogue.untranslated_entries()]
    fuzzy = [describe(key(entry)) for entry in catalogue.fuzzy_entries()]

    assert not untranslated, "Untranslated in django.po:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy in django.po:\n" + "\n".join(fuzzy)


def test_compiled_catalogue_matches_the_po_file() -> None:
    assert MO_PATH.exists(), "django.mo is missing: run `make messages`"
    catalogue = polib.pofile(str(PO_PATH))
    compiled = polib.mofile(str(MO_PATH))

    assert translations(compiled) == translations(catalogue.translated_entries()), (
        "django.mo is stale: run `make messages` (or compilemessages) and commit it"
    )


def test_catalogue_placeholders_match_their_msgids() -> None:
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")

    result = subprocess.run(
        ["msgfmt", "--check", "--output-file", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_catalogue_covers_every_string_in_the_source(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed: cannot extract strings")
    # given a copy of the project's own source, with an empty catalogue
    copy_source(Path(settings.BASE_DIR), tmp_path / "src")
    (tmp_path / "src" / "locale").mkdir()

    # when makemessages extracts its strings
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans"],
        cwd=tmp_path / "src",
        env={**os.environ, "JIFEN_DATA_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # then the committed catalogue has every one of them
    extracted = polib.pofile(
        str(tmp_path / "src" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    )
    committed = {
        key(entry) for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete
    }
    missing = [
        f"{describe(key(entry))}  ({', '.join(path for path, _line in entry.occurrences)})"
        for entry in extracted
        if key(entry) not in committed
    ]
    assert not missing, (
        f"{len(missing)} strings are not in django.po; run `make messages` "
        "and translate them:\n" + "\n".join(missing)
    )


def copy_source(root: Path, destination: Path) -> None:
    destination.mkdir()
    for entry in root.iterdir():
        if entry.name.startswith(".") or entry.name in NOT_SOURCE:
            continue
        if entry.is_dir():
            shutil.copytree(
                entry,
                destination / entry.name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules"),
            )
        elif entry.is_file():
            shutil.copy2(entry, destination / entry.name)
