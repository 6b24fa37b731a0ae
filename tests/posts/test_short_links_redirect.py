"""The built-in shortener's public redirect: /l/<code> answers 302 to its target and
counts people's clicks, never crawlers', link previewers' or HEAD requests."""

import threading

import pytest
from django.db import connection
from django.test import Client

from posts.links.bots import is_bot
from posts.links.models import ShortLink
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
PREVIEWERS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "WhatsApp/2.23.20.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mastodon/4.2.8 (http.rb/5.1.1; +https://mastodon.social/)",
    "Bluesky Cardyb/1.1",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "",
]


@pytest.fixture
def link(db):
    return ShortLink.objects.create(
        organization=OrganizationFactory(),
        shortener="builtin",
        code="Ab3dE6gH",
        target="https://example.com/launch?utm_source=postiz",
        short_url="https://acme.link/l/Ab3dE6gH",
    )


def clicks(link):
    return ShortLink.objects.get(pk=link.pk).clicks


def test_a_persons_click_redirects_to_the_target_and_is_counted(client, link):
    response = client.get("/l/Ab3dE6gH", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/launch?utm_source=postiz"
    assert "no-store" in response["Cache-Control"]
    client.get("/l/Ab3dE6gH", HTTP_USER_AGENT=PHONE)
    assert clicks(link) == 2


@pytest.mark.parametrize("agent", PREVIEWERS)
def test_crawlers_and_link_previews_are_redirected_but_not_counted(client, link, agent):
    response = client.get("/l/Ab3dE6gH", HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert clicks(link) == 0


def test_a_head_request_is_answered_but_not_counted(client, link):
    response = client.head("/l/Ab3dE6gH", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == link.target
    assert clicks(link) == 0


def test_an_unknown_code_is_404_and_counts_nothing(client, link):
    assert client.get("/l/Ab3dE6gX", HTTP_USER_AGENT=BROWSER).status_code == 404
    assert client.get("/l/" + "x" * 40, HTTP_USER_AGENT=BROWSER).status_code == 404
    assert clicks(link) == 0


def test_codes_are_case_sensitive(client, link):
    assert client.get("/l/ab3de6gh", HTTP_USER_AGENT=BROWSER).status_code == 404


def test_other_methods_are_refused(client, link):
    assert Client(enforce_csrf_checks=False).post("/l/Ab3dE6gH").status_code == 405
    assert clicks(link) == 0


def test_another_shorteners_link_is_not_served_here(client, link):
    ShortLink.objects.create(
        organization=link.organization,
        shortener="dub",
        target="https://example.com/",
        short_url="https://dub.sh/abc",
        remote_id="link_1",
    )
    assert client.get("/l/abc", HTTP_USER_AGENT=BROWSER).status_code == 404


def test_browsers_are_not_mistaken_for_bots():
    assert not is_bot(BROWSER) and not is_bot(PHONE)
    assert all(is_bot(agent) for agent in PREVIEWERS)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_clicks_are_all_counted():
    link = ShortLink.objects.create(
        organization=OrganizationFactory(),
        shortener="builtin",
        code="Conc0001",
        target="https://example.com/",
        short_url="https://acme.link/l/Conc0001",
    )
    threads, per_thread, errors = 8, 25, []
    start = threading.Barrier(threads)

    def click():
        try:
            start.wait()
            browser = Client()
            for _ in range(per_thread):
                assert browser.get("/l/Conc0001", HTTP_USER_AGENT=BROWSER).status_code == 302
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()  # each thread had a connection of its own

    workers = [threading.Thread(target=click) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert clicks(link) == threads * per_thread
