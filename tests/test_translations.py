"""The translated interface: every shipped catalog complete, compiled and in step with the
source, and a person's language applied to the pages they see."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from postiz.management.commands.messages import DOMAINS, catalog_differences, extract
from tests.peers.servers import missing

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
SHIPPED = [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]
CATALOGS = [(locale, domain) for locale in SHIPPED for domain in DOMAINS]

# %(name)s, %s, %d … (python-format) and {name} (brace-format): what the code fills in.
_PERCENT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?=[|}])")


def _placeholders(text: str) -> list[str]:
    return sorted(_PERCENT.findall(text) + _BRACE.findall(text))


def _catalog(locale: str, domain: str) -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path.relative_to(settings.BASE_DIR)} is missing"
    return polib.pofile(str(path))


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_every_entry_is_translated_and_none_is_fuzzy(locale, domain):
    catalog = _catalog(locale, domain)
    untranslated = [entry.msgid for entry in catalog.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"{locale}/{domain}: untranslated: {untranslated[:20]}"
    assert not fuzzy, f"{locale}/{domain}: fuzzy (check, then remove the flag): {fuzzy[:20]}"
    assert len(catalog) > 0


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_translations_keep_the_placeholders_the_code_fills_in(locale, domain):
    wrong = []
    for entry in catalog_entries(locale, domain):
        expected = _placeholders(entry.msgid)
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            found = _placeholders(translation)
            # A plural form for "one" may say the number in words ("une publication").
            if entry.msgid_plural and found == [p for p in expected if p not in ("%d", "%s")]:
                continue
            if entry.msgid_plural and not found and len(translations) > 1:
                continue
            if found != expected:
                wrong.append((entry.msgid, translation))
    assert not wrong, f"{locale}/{domain}: placeholders differ: {wrong[:10]}"


def catalog_entries(locale, domain):
    return [entry for entry in _catalog(locale, domain) if not entry.obsolete]


@pytest.mark.parametrize(("locale", "domain"), CATALOGS)
def test_compiled_catalogs_match_their_sources(locale, domain):
    """The .mo files Django reads say what the .po files say (manage.py messages)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.name} of {locale} is missing: run manage.py messages"
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(mo_path))
    }
    written = {
        (e.msgctxt, e.msgid): e.msgstr or {int(k): v for k, v in e.msgstr_plural.items()}
        for e in polib.pofile(str(po_path)).translated_entries()
    }
    compiled = {
        key: ({int(k): v for k, v in value.items()} if isinstance(value, dict) else value)
        for key, value in compiled.items()
        if key[1]
    }
    assert compiled == written


def test_the_catalogs_are_in_step_with_the_source(tmp_path):
    """Every string marked in the code is in every catalog, and none is left over."""
    if not shutil.which("xgettext"):
        missing("GNU gettext (xgettext) is not installed: apt-get install gettext")
    fresh = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, fresh)
    extract(fresh)
    problems = catalog_differences(LOCALE_DIR, fresh)
    assert not problems, "Run manage.py messages, then translate:\n" + "\n".join(problems[:40])


# -- A person's language ------------------------------------------------------------------
@pytest.mark.django_db
def test_the_browser_language_is_used_before_signing_in(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert page.status_code == 200
    assert page["Content-Language"] == "de"
    assert '<html lang="de">' in page.content.decode()
    assert "Sprache ändern" in page.content.decode()


@pytest.mark.django_db
def test_a_person_not_signed_in_chooses_a_language_that_stays(client):
    answer = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert answer.status_code == 302
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "fr"
    assert "Changer de langue" in page.content.decode()


@pytest.mark.django_db
def test_a_person_s_chosen_language_wins_over_the_browser(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.com", password="x" * 12)
    client.force_login(user)
    form = {
        "name": "Ana",
        "timezone": "America/Sao_Paulo",
        "language": "pt-br",
        "clock": "",
        "notify_failures": "on",
    }
    saved = client.post("/accounts/profile/", form, HTTP_ACCEPT_LANGUAGE="de", follow=True)
    user.refresh_from_db()
    assert user.language == "pt-br"
    assert "Seu perfil foi salvo." in saved.content.decode()
    assert saved.redirect_chain[-1][1] == 302
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "pt-br"
    assert '<html lang="pt-br">' in page.content.decode()
    # The choice outlives the session: after signing out the pages stay in Portuguese.
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
    after = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert after["Content-Language"] == "pt-br"


@pytest.mark.django_db
def test_a_language_the_interface_does_not_have_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(email="ana@example.com", password="x" * 12)
    client.force_login(user)
    form = {"name": "Ana", "timezone": "UTC", "language": "tlh", "clock": ""}
    page = client.post("/accounts/profile/", form)
    assert page.status_code == 200
    user.refresh_from_db()
    assert user.language == ""
    assert "tlh" in page.content.decode()


@pytest.mark.django_db
def test_scripts_get_their_strings_in_the_active_language(client):
    catalog = client.get("/i18n/catalog.js?l=es", HTTP_ACCEPT_LANGUAGE="es")
    assert catalog.status_code == 200
    assert "Copiado." in catalog.content.decode()
    english = client.get("/i18n/catalog.js?l=en", HTTP_ACCEPT_LANGUAGE="en")
    assert "Copiado." not in english.content.decode()
