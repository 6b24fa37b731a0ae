"""The interface's translation catalogs, kept in step with the source.

    manage.py messages           extract every marked string into postiz/locale/<language>/
                                 LC_MESSAGES/ (django.po: pages, forms, emails, messages;
                                 djangojs.po: scripts), then compile the .mo files
    manage.py messages --check   change nothing; fail naming what is missing or stale

Extraction is Django's ``makemessages`` (GNU gettext's xgettext and msgmerge must be
installed: Debian's ``gettext`` package); compiling needs nothing beyond polib. A new string
arrives in every catalog untranslated (an empty msgstr), which tests/test_translations.py
refuses until a translator fills it in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.translation import to_locale

DOMAINS = ("django", "djangojs")

# What makemessages reads: the apps, the project package and templates/ (for pages) and
# static/js (for scripts), not the tests, benches, runtime files or vendored scripts.
IGNORE = [
    "var",
    "tests",
    "bench",
    "locale",
    "node_modules",
    "*.egg-info",
    "htmx.min.js",
]


def shipped_locales() -> list[str]:
    """The gettext names of every translated language (English is the source)."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


def extract(locale_dir: Path) -> None:
    """Runs makemessages over the source into ``locale_dir`` (its catalogs are merged)."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        raise CommandError(
            "Extracting strings needs GNU gettext (xgettext, msgmerge): "
            "apt-get install gettext, or brew install gettext."
        )
    previous = Path.cwd()
    os.chdir(settings.BASE_DIR)  # makemessages reads the working directory
    try:
        with override_settings(LOCALE_PATHS=[locale_dir]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=shipped_locales(),
                    domain=domain,
                    ignore_patterns=IGNORE,
                    no_obsolete=True,
                    add_location="file",
                    verbosity=0,
                )
    finally:
        os.chdir(previous)
    _tidy_headers(locale_dir)


def _tidy_headers(locale_dir: Path) -> None:
    """Names the product and the language in each catalog's header, where makemessages
    leaves its template's placeholders and a fuzzy mark."""
    import polib

    for po_path in locale_dir.glob("*/LC_MESSAGES/*.po"):
        catalog = polib.pofile(str(po_path))
        catalog.header = 'The Postiz interface\'s strings. See README, "Languages".'
        catalog.metadata_is_fuzzy = False
        catalog.metadata.update(
            {
                "Project-Id-Version": "Postiz",
                "Language": po_path.parent.parent.name,
                "Language-Team": po_path.parent.parent.name,
                "Last-Translator": "Postiz translators",
                "Report-Msgid-Bugs-To": "",
            }
        )
        catalog.metadata.pop("POT-Creation-Date", None)  # every run would change it
        catalog.metadata.pop("PO-Revision-Date", None)
        catalog.save()


def compile_catalogs(locale_dir: Path) -> list[Path]:
    import polib

    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def catalog_differences(committed: Path, fresh: Path) -> list[str]:
    """What differs between the committed catalogs and ones freshly extracted."""
    import polib

    problems = []
    for locale in shipped_locales():
        for domain in DOMAINS:
            relative = Path(locale, "LC_MESSAGES", f"{domain}.po")
            if not (committed / relative).exists():
                problems.append(f"{relative}: missing")
                continue
            ours = {_key(entry) for entry in _live(polib.pofile(str(committed / relative)))}
            source = {_key(entry) for entry in _live(polib.pofile(str(fresh / relative)))}
            for msgid in sorted(source - ours, key=str):
                problems.append(f"{relative}: not in the catalog: {msgid!r}")
            for msgid in sorted(ours - source, key=str):
                problems.append(f"{relative}: no longer in the source: {msgid!r}")
    return problems


def _live(catalog):
    return [entry for entry in catalog if not entry.obsolete]


def _key(entry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


class Command(BaseCommand):
    help = "Brings the translation catalogs up to date with the source and compiles them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail when a catalog misses a string or keeps a stale one.",
        )

    def handle(self, *args, check=False, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        if check:
            with tempfile.TemporaryDirectory() as scratch:
                fresh = Path(scratch) / "locale"
                shutil.copytree(locale_dir, fresh) if locale_dir.exists() else fresh.mkdir()
                extract(fresh)
                problems = catalog_differences(locale_dir, fresh)
            if problems:
                raise CommandError(
                    "The catalogs are not in step with the source (run manage.py messages):\n"
                    + "\n".join(problems)
                )
            self.stdout.write("The catalogs are in step with the source.")
            return
        locale_dir.mkdir(exist_ok=True)
        extract(locale_dir)
        for mo_path in compile_catalogs(locale_dir):
            self.stdout.write(f"Compiled {mo_path.relative_to(settings.BASE_DIR)}")
