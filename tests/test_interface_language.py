"""The interface switches language completely: every text a page shows comes from a catalog.

The pages are drawn in a made-up language whose catalog wraps every string of ours in ⟦…⟧.
Whatever text is left outside the brackets was never marked for translation, and would stay
English for a French reader, unless it is data (names the test made), or a string that
Django or django-allauth translate themselves (their own catalogs ship all our languages).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import available_timezones

import django
import polib
import pytest
from allauth import __file__ as allauth_init
from django.conf import settings
from django.utils import dates, translation

from integrations.providers import provider_classes
from tests.factories import ChannelFactory, OrganizationFactory

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"
# Attributes people read (or hear): their values must be translated too.
READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


@pytest.fixture
def pseudo_language(settings, tmp_path):
    """A catalog of every string we mark, each translated to ⟦itself⟧, active as "xx"."""
    target = tmp_path / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    for domain in ("django", "djangojs"):
        source = polib.pofile(
            str(Path(settings.LOCALE_PATHS[0], "fr", "LC_MESSAGES", f"{domain}.po"))
        )
        pseudo = polib.POFile()
        pseudo.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        for entry in source:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                forms = {0: OPEN + entry.msgid + CLOSE, 1: OPEN + entry.msgid_plural + CLOSE}
                pseudo.append(
                    polib.POEntry(
                        msgctxt=entry.msgctxt,
                        msgid=entry.msgid,
                        msgid_plural=entry.msgid_plural,
                        msgstr_plural=forms,
                    )
                )
            else:
                pseudo.append(
                    polib.POEntry(
                        msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr=OPEN + entry.msgid + CLOSE
                    )
                )
        pseudo.save_as_mofile(str(target / f"{domain}.mo"))
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    yield PSEUDO
    translation.activate(settings.LANGUAGE_CODE)


def _translated_elsewhere() -> set[str]:
    """Strings Django and django-allauth translate into French themselves."""
    found = set()
    for root in (Path(django.__file__).parent / "conf", Path(allauth_init).parent):
        for path in root.glob("locale/fr/LC_MESSAGES/django.po"):
            found.update(_squash(e.msgid) for e in polib.pofile(str(path)).translated_entries())
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())


class _Texts(HTMLParser):
    """Every text node and read attribute outside scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.found.append(data)


def untranslated(html: str, *, data: tuple[str, ...] = ()) -> list[str]:
    elsewhere = _translated_elsewhere()
    parser = _Texts()
    parser.feed(html)
    # A translated sentence may hold a link: its brackets open in one text and close in a
    # later one, so the texts are read as one stream.
    stream = SEPARATOR.join(parser.found)
    # Translations nest (a translated label filled into a translated sentence): brackets
    # are removed from the innermost out.
    innermost = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", re.S)
    while innermost.search(stream):
        stream = innermost.sub(
            lambda match: SEPARATOR.join(" " * (match.group(0).count(SEPARATOR) + 1)), stream
        )
    left = []
    for original, text in zip(parser.found, stream.split(SEPARATOR), strict=True):
        outside = text
        for value in (*data, *_DATA, "Postiz"):
            outside = outside.replace(value, " ")
        outside = _NOT_WORDS.sub(" ", outside)
        outside = " ".join(
            word for word in outside.split() if word.strip(".,").lower() not in _DATE_WORDS
        )
        if not _LETTERS.search(outside) or outside in elsewhere or _squash(original) in elsewhere:
            continue
        left.append(outside)
    return left


SEPARATOR = "\x00"
# Data every page may show as it is: time zone names, each language named in itself, and
# the networks' and link shorteners' names (brands).
_DATA = tuple(
    sorted(
        {zone.replace("_", " ") for zone in available_timezones()}
        | {name for _code, name in settings.LANGUAGES}
        | {cls.display_name for cls in provider_classes().values()}
        | {"Dub", "Short.io"}  # link shorteners
        | {"Pseudo"},
        key=len,
        reverse=True,
    )
)
# Addresses, API scopes (posts:read) and dates: their words (month and day names) come
# from Django's own catalogs in the shipped languages.
_NOT_WORDS = re.compile(r"https?://\S+|\b[a-z]+:[a-z]+\b")
_DATE_WORDS = {
    str(word).lower()
    for table in (
        dates.MONTHS,
        dates.MONTHS_3,
        dates.MONTHS_AP,
        dates.WEEKDAYS,
        dates.WEEKDAYS_ABBR,
    )
    for word in table.values()
}


@pytest.fixture
def pseudo_client(client, django_user_model, pseudo_language):
    org = OrganizationFactory(name="Orgname", slug="orgname")
    user = django_user_model.objects.create_user(
        email="reader@example.com", password="x" * 12, name="Readername"
    )
    user.language = pseudo_language
    user.save(update_fields=["language"])
    org.memberships.create(user=user, role="owner")
    client.force_login(user)
    client.data = ("Orgname", "Readername", "reader@example.com", "reader")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/o/orgname/a-page-that-does-not-exist/",
        "/o/orgname/channels/",
        "/o/orgname/media/",
        "/o/orgname/settings/",
        "/o/orgname/settings/members/",
        "/o/orgname/settings/invitations/",
        "/o/orgname/settings/audit/",
        "/o/orgname/settings/api-keys/",
        "/o/orgname/calendar/",
        "/o/orgname/calendar/?view=month",
        "/o/orgname/calendar/?view=list",
        "/o/orgname/posts/new/",
        "/o/orgname/approvals/",
        "/o/orgname/failures/",
        "/o/orgname/notifications/",
        "/o/orgname/settings/webhooks/",
        "/o/orgname/settings/feeds/",
        "/o/orgname/settings/short-links/",
        "/o/orgname/posts/import/",
        "/o/orgname/posts/signatures/",
        "/o/orgname/posts/sets/",
        "/o/orgname/posts/tags/",
        "/o/orgname/analytics/",
        "/o/orgname/analytics/report/",
        "/o/orgname/settings/oauth-apps/",
        "/accounts/apps/",
    ],
)
def test_pages_show_no_text_that_was_not_translated(pseudo_client, path):
    page = pseudo_client.get(path)
    assert page.status_code in (200, 404)
    assert page["Content-Language"] == PSEUDO
    left = untranslated(page.content.decode(), data=pseudo_client.data)
    assert not left, f"{path} shows text never marked for translation: {left}"


@pytest.fixture
def channel_with_a_plug(pseudo_client):
    """A Mastodon channel of the reader's organization with one reply plug."""
    from organizations.models import Organization
    from posts.plugs.models import Plug

    org = Organization.objects.get(slug="orgname")
    channel = ChannelFactory(organization=org, provider="mastodon", name="Channelname")
    plug = Plug.objects.create(
        organization=org,
        integration=channel,
        kind="reply",
        metric="likes",
        threshold=5,
        text="Followtext",
    )
    # The names of the channel's stored secrets (access_token) are identifiers, not words.
    pseudo_client.data = (
        *pseudo_client.data,
        *("Channelname", "Followtext", "Posttext", "access_token"),
    )
    _figures(channel, plug)
    return channel, plug


def _figures(channel, plug):
    """Counts for the Analytics page: followers a day, a post's likes and a fired plug."""
    from datetime import timedelta

    from django.utils import timezone

    from integrations.analytics import organization_days_rebuild
    from integrations.models import ChannelMetric
    from posts.analytics.models import PostMetricLatest
    from posts.plugs.models import PlugRun
    from posts.states import State
    from tests.factories import PostFactory, PostItemFactory

    now = timezone.now()
    ChannelMetric.objects.bulk_create(
        ChannelMetric(
            organization=channel.organization,
            integration=channel,
            metric="followers",
            day=now.date() - timedelta(days=i),
            value=100 + i,
        )
        for i in range(60)
    )
    organization_days_rebuild(organization_id=channel.organization_id)
    when = now - timedelta(days=2)
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id="r1",
        remote_url="https://social.example/@acme/1",
    )
    PostItemFactory(post=post, content="Posttext")
    PostMetricLatest.objects.create(
        organization=channel.organization,
        post=post,
        integration=channel,
        metric="likes",
        value=7,
        published_at=when,
    )
    PlugRun.objects.create(
        organization=channel.organization,
        plug=plug,
        post=post,
        kind="reply",
        metric="likes",
        threshold=5,
        value=7,
        state="done",
        fired_at=now,
        remote_id="2",
        remote_url="https://social.example/@acme/2",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/o/orgname/channels/{channel}/",
        "/o/orgname/channels/{channel}/plugs/",
        "/o/orgname/channels/{channel}/plugs/{plug}/",
        "/o/orgname/analytics/?channel={channel}",
        "/o/orgname/analytics/report/?channel={channel}",
    ],
)
def test_a_channels_pages_show_no_text_that_was_not_translated(
    pseudo_client, channel_with_a_plug, path
):
    channel, plug = channel_with_a_plug
    path = path.format(channel=channel.pk, plug=plug.public_id)
    page = pseudo_client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    # The Analytics pages show the figures, not their empty state.
    assert "analytics" not in path or ("Posttext" in html and "plug-run-done" in html)
    left = untranslated(html, data=pseudo_client.data)
    assert not left, f"{path} shows text never marked for translation: {left}"


@pytest.mark.django_db
def test_the_sign_in_page_is_translated_before_signing_in(client, pseudo_language):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=pseudo_language)
    assert page["Content-Language"] == PSEUDO
    left = untranslated(page.content.decode())
    assert not left, f"the sign-in page shows text never marked for translation: {left}"


@pytest.mark.django_db
def test_the_check_finds_text_left_in_english(pseudo_client):
    """The check itself: a page with a string nobody marked is caught."""
    html = "<p>" + OPEN + "Calendar" + CLOSE + "</p><p>Schedule a post</p>"
    assert untranslated(html) == ["Schedule a post"]
    assert settings.LANGUAGE_CODE == "en"
