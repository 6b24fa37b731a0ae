"""Dub, Short.io and Kutt, faked at their HTTP boundary with the shapes their APIs answer:
making a link, their errors (a bad key, a rate limit, an invalid URL, a server fault), and
the worker job that reads their clicks."""

import pytest
from django.utils import timezone
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError
from posts.links.models import LinkSettings, ShortLink
from posts.links.services import links_sync_clicks
from posts.links.shorteners import Config, shortener_for
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

TARGET = "https://example.com/blog/launch?utm_source=postiz"


@pytest.fixture
def dub(settings, httpserver):
    settings.DUB_API_URL = httpserver.url_for("/dub")
    return shortener_for(Config("dub", api_key="dub_xxxxxx", domain="acme.link"))


@pytest.fixture
def shortio(settings, httpserver):
    settings.SHORTIO_API_URL = httpserver.url_for("/shortio")
    settings.SHORTIO_STATS_URL = httpserver.url_for("/shortio-stats")
    return shortener_for(Config("shortio", api_key="sk_live_abc", domain="acme.short.gy"))


@pytest.fixture
def kutt(httpserver):
    return shortener_for(
        Config("kutt", api_key="kutt-key-123", base_url=httpserver.url_for("/kutt"))
    )


def refused(shortener, target=TARGET) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        shortener.shorten(target)
    return caught.value


# -- Dub ---------------------------------------------------------------------------------
def dub_error(code, message, status):
    return (
        {
            "error": {
                "code": code,
                "message": message,
                "doc_url": f"https://dub.co/docs/api-reference/errors#{code.replace('_', '-')}",
            }
        },
        status,
    )


def test_dub_makes_a_link_on_the_chosen_domain_with_the_bearer_key(dub, httpserver):
    httpserver.expect_request(
        "/dub/links",
        method="POST",
        headers={"Authorization": "Bearer dub_xxxxxx"},
        json={"url": TARGET, "domain": "acme.link"},
    ).respond_with_json(
        {
            "id": "link_1KJ1H3PZGE081A22TC6PTQYJP",
            "domain": "acme.link",
            "key": "launch",
            "url": TARGET,
            "shortLink": "https://acme.link/launch",
            "clicks": 0,
        }
    )
    made = dub.shorten(TARGET)
    assert made.short_url == "https://acme.link/launch"
    assert made.remote_id == "link_1KJ1H3PZGE081A22TC6PTQYJP"


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        (
            dub_error("unauthorized", "Unauthorized: Invalid API key.", 401),
            ErrorKind.AUTH_REVOKED,
            "Dub refused our API key: Unauthorized: Invalid API key.",
        ),
        (
            dub_error("rate_limit_exceeded", "Too many requests.", 429),
            ErrorKind.RATE_LIMITED,
            "Dub asked us to slow down",
        ),
        (
            dub_error("bad_request", "Invalid destination URL", 400),
            ErrorKind.CONTENT_REJECTED,
            "Dub refused to shorten a link of this post: Invalid destination URL",
        ),
        (
            dub_error("exceeded_limit", "You've reached your monthly link limit.", 403),
            ErrorKind.PERMISSION_DENIED,
            "the plan's limit is reached",
        ),
        (
            dub_error("internal_server_error", "An internal server error occurred.", 500),
            ErrorKind.TRANSIENT_BEFORE_SEND,
            "Dub had a server error (500).",
        ),
    ],
)
def test_dub_errors_are_read_from_its_error_object(dub, httpserver, body, kind, words):
    payload, status = body
    headers = {"Retry-After": "30"} if status == 429 else {}
    httpserver.expect_request("/dub/links", method="POST").respond_with_json(
        payload, status=status, headers=headers
    )
    error = refused(dub)
    assert error.kind == kind
    assert words in error.user_message
    if status == 429:
        assert error.retry_after == 30
    assert "dub_xxxxxx" not in error.raw_excerpt


def test_dub_clicks_come_from_the_links_info(dub, httpserver):
    httpserver.expect_request(
        "/dub/links/info", query_string={"linkId": "link_1"}, method="GET"
    ).respond_with_json({"id": "link_1", "shortLink": "https://acme.link/x", "clicks": 42})
    assert dub.clicks("link_1") == 42


# -- Short.io ----------------------------------------------------------------------------
def test_shortio_makes_a_link_with_the_raw_key_and_its_domain(shortio, httpserver):
    httpserver.expect_request(
        "/shortio/links",
        method="POST",
        headers={"authorization": "sk_live_abc"},
        json={"originalURL": TARGET, "domain": "acme.short.gy"},
    ).respond_with_json(
        {
            "idString": "lnk_4Xy9_abcdEFG",
            "id": "1234567890",
            "path": "Ab12",
            "originalURL": TARGET,
            "shortURL": "http://acme.short.gy/Ab12",
            "secureShortURL": "https://acme.short.gy/Ab12",
            "DomainId": 117000,
        }
    )
    made = shortio.shorten(TARGET)
    assert made.short_url == "https://acme.short.gy/Ab12"
    assert made.remote_id == "lnk_4Xy9_abcdEFG"


@pytest.mark.parametrize(
    ("status", "payload", "kind", "words"),
    [
        (
            401,
            {"error": "Unauthorized", "message": "Unauthorized", "statusCode": 401},
            ErrorKind.AUTH_REVOKED,
            "Short.io refused our API key",
        ),
        (
            429,
            {"message": "Rate limit exceeded, retry in 10 seconds", "statusCode": 429},
            ErrorKind.RATE_LIMITED,
            "Short.io asked us to slow down",
        ),
        (
            400,
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": 'body/originalURL must match format "uri"',
            },
            ErrorKind.CONTENT_REJECTED,
            "Short.io refused to shorten a link of this post: body/originalURL must match",
        ),
        (
            503,
            {"message": "Service Unavailable"},
            ErrorKind.TRANSIENT_BEFORE_SEND,
            "Short.io had a server error (503).",
        ),
    ],
)
def test_shortio_errors_are_read_from_its_message(
    shortio, httpserver, status, payload, kind, words
):
    httpserver.expect_request("/shortio/links", method="POST").respond_with_json(
        payload, status=status
    )
    error = refused(shortio)
    assert error.kind == kind and words in error.user_message


def test_shortio_clicks_are_its_human_clicks(shortio, httpserver):
    httpserver.expect_request(
        "/shortio-stats/statistics/link/lnk_4Xy9_abcdEFG",
        query_string={"period": "total", "tz": "UTC"},
        headers={"authorization": "sk_live_abc"},
    ).respond_with_json({"totalClicks": 57, "humanClicks": 49, "clickStatistics": {}})
    assert shortio.clicks("lnk_4Xy9_abcdEFG") == 49


# -- Kutt --------------------------------------------------------------------------------
def kutt_link(**extra):
    return {
        "id": "6a3f2c1e-9b7d-4e61-8f0a-2b5c7d9e1f34",
        "address": "x7Kp2",
        "banned": False,
        "created_at": "2026-12-07T01:00:00.000Z",
        "updated_at": "2026-12-07T01:00:00.000Z",
        "password": False,
        "description": None,
        "expire_in": None,
        "target": TARGET,
        "visit_count": 0,
        "link": "https://kutt.example/x7Kp2",
        **extra,
    }


def test_kutt_makes_a_link_with_its_api_key_header(kutt, httpserver):
    httpserver.expect_request(
        "/kutt/api/v2/links",
        method="POST",
        headers={"X-API-KEY": "kutt-key-123"},
        json={"target": TARGET},
    ).respond_with_json(kutt_link(), status=201)
    made = kutt.shorten(TARGET)
    assert made.short_url == "https://kutt.example/x7Kp2"
    assert made.remote_id == "6a3f2c1e-9b7d-4e61-8f0a-2b5c7d9e1f34"


@pytest.mark.parametrize(
    ("status", "message", "kind", "words"),
    [
        (401, "Unauthorized.", ErrorKind.AUTH_REVOKED, "Kutt refused our API key: Unauthorized."),
        (
            429,
            "You have reached your hourly limit.",
            ErrorKind.RATE_LIMITED,
            "Kutt asked us to slow down",
        ),
        (
            400,
            "URL is not valid.",
            ErrorKind.CONTENT_REJECTED,
            "Kutt refused to shorten a link of this post: URL is not valid.",
        ),
        (500, "An error occurred.", ErrorKind.TRANSIENT_BEFORE_SEND, "Kutt had a server error"),
    ],
)
def test_kutt_errors_are_read_from_its_error_field(kutt, httpserver, status, message, kind, words):
    httpserver.expect_request("/kutt/api/v2/links", method="POST").respond_with_json(
        {"error": message}, status=status
    )
    error = refused(kutt)
    assert error.kind == kind and words in error.user_message


def test_kutt_clicks_are_its_visit_count(kutt, httpserver):
    httpserver.expect_request(
        "/kutt/api/v2/links/6a3f2c1e-9b7d-4e61-8f0a-2b5c7d9e1f34/stats"
    ).respond_with_json(
        {"lastDay": {}, "lastWeek": {}, "lastMonth": {}, "allTime": {}, **kutt_link(visit_count=12)}
    )
    assert kutt.clicks("6a3f2c1e-9b7d-4e61-8f0a-2b5c7d9e1f34") == 12


def test_a_kutt_server_on_a_private_address_is_refused_in_production(settings, kutt):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    error = refused(kutt)
    assert error.kind == ErrorKind.PERMISSION_DENIED and error.network_code == "unsafe_url"


# -- The worker's job --------------------------------------------------------------------
def test_the_worker_job_reads_other_shorteners_clicks_and_leaves_built_in_ones(
    settings, httpserver
):
    settings.DUB_API_URL = httpserver.url_for("/dub")
    org = OrganizationFactory()
    row = LinkSettings.objects.create(organization=org, shortener="dub", preference="always")
    row.secrets = {"api_key": "dub_org_key"}
    row.save()
    dub = ShortLink.objects.create(
        organization=org,
        shortener="dub",
        target=TARGET,
        short_url="https://dub.sh/launch",
        remote_id="link_9",
    )
    builtin = ShortLink.objects.create(
        organization=org,
        shortener="builtin",
        code="Zz9yX8wV",
        target=TARGET,
        short_url="https://acme.link/l/Zz9yX8wV",
        clicks=7,
    )
    httpserver.expect_request(
        "/dub/links/info",
        query_string={"linkId": "link_9"},
        headers={"Authorization": "Bearer dub_org_key"},
    ).respond_with_json({"id": "link_9", "clicks": 31})

    assert links_sync_clicks() == 1
    dub.refresh_from_db()
    builtin.refresh_from_db()
    assert dub.clicks == 31 and dub.clicks_synced_at is not None
    assert builtin.clicks == 7  # counted by the redirect, never overwritten
    assert links_sync_clicks() == 0  # read at most hourly


def test_a_shortener_failing_in_the_job_keeps_the_last_count(settings, httpserver):
    settings.DUB_API_URL = httpserver.url_for("/dub")
    settings.DUB_API_KEY = "dub_instance_key"
    org = OrganizationFactory()
    link = ShortLink.objects.create(
        organization=org,
        shortener="dub",
        target=TARGET,
        short_url="https://dub.sh/launch",
        remote_id="link_9",
        clicks=5,
    )
    httpserver.expect_request("/dub/links/info").respond_with_json(
        dub_error("rate_limit_exceeded", "Too many requests.", 429)[0], status=429
    )
    assert links_sync_clicks() == 0
    link.refresh_from_db()
    assert link.clicks == 5 and link.clicks_synced_at <= timezone.now()


def test_another_services_key_is_never_sent_to_an_old_links_shortener(settings, httpserver):
    # The organization moved from Dub to Kutt: its Kutt key must not go to Dub.
    settings.DUB_API_URL = httpserver.url_for("/dub")
    settings.DUB_API_KEY = "dub_instance_key"
    org = OrganizationFactory()
    row = LinkSettings.objects.create(
        organization=org, shortener="kutt", kutt_url="https://kutt.example"
    )
    row.secrets = {"api_key": "kutt-secret"}
    row.save()
    ShortLink.objects.create(
        organization=org,
        shortener="dub",
        target=TARGET,
        short_url="https://dub.sh/launch",
        remote_id="link_9",
    )
    seen = []

    def info(request):
        seen.append(request.headers["Authorization"])
        return Response('{"id": "link_9", "clicks": 3}', content_type="application/json")

    httpserver.expect_request("/dub/links/info").respond_with_handler(info)
    assert links_sync_clicks() == 1
    assert seen == ["Bearer dub_instance_key"]
