"""Reading feeds, pages and images from addresses people gave us, through the SSRF guard.

Every request goes through ``postiz.ssrf.guarded_session`` (each redirect hop vetted,
the connection pinned to the vetted address), with a connect and read timeout, a
deadline for the whole body and a size cap checked while streaming, so a slow or endless
answer costs a bounded time and memory. Feeds are asked conditionally (If-None-Match /
If-Modified-Since): a feed that has not changed answers 304 and nothing is parsed."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from django.utils.translation import gettext_noop

from media.services import format_size
from organizations.texts import Text
from postiz.ssrf import UnsafeURL, guarded_session

MB = 1024 * 1024
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
# A feed, page or image that takes longer than this in all is given up.
TOTAL_SECONDS = 30.0
FEED_MAX_BYTES = 10 * MB
PAGE_MAX_BYTES = 2 * MB
IMAGE_MAX_BYTES = 8 * MB
USER_AGENT = "Postiz RSS reader (+https://postiz.com)"
_CHUNK = 64 * 1024
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class FetchError(Exception):
    """The address could not be read; the message says why and what to do. About a feed
    it is a ``Text`` (``args[0]``): the feed's page says it in each reader's language."""


# What a feed's read can run into, said to whoever reads the feed's page later (pages and
# images fetched for a post are only logged, in English).
_FEED_SAID = {
    "too_large": gettext_noop("The feed at %(host)s is larger than %(size)s."),
    "too_slow": gettext_noop("%(host)s is sending the feed too slowly."),
    "stopped": gettext_noop("%(host)s stopped sending the feed. It is tried again later."),
    "redirects": gettext_noop("%(host)s redirected too many times. Use the feed's final address."),
}


def _problem(key: str, what: str, english: str, **values) -> FetchError:
    if what == "feed":
        return FetchError(Text(_FEED_SAID[key], **values))
    return FetchError(english)


@dataclass
class Fetched:
    status: int  # 200, or 304 when nothing changed
    body: bytes
    url: str  # after redirects: relative links resolve against it
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _read(response: requests.Response, limit: int, what: str) -> bytes:
    host = _host(response.url)
    declared = response.headers.get("Content-Length", "")
    size = format_size(limit)
    if declared.isdigit() and int(declared) > limit:
        raise _problem(
            "too_large", what, f"The {what} at {host} is larger than {size}.", host=host, size=size
        )
    deadline = time.monotonic() + TOTAL_SECONDS
    chunks, received = [], 0
    try:
        for chunk in response.iter_content(_CHUNK):
            received += len(chunk)
            if received > limit:
                english = f"The {what} at {host} is larger than {size}."
                raise _problem("too_large", what, english, host=host, size=size)
            if time.monotonic() > deadline:
                english = f"{host} is sending the {what} too slowly."
                raise _problem("too_slow", what, english, host=host)
            chunks.append(chunk)
    except requests.RequestException:
        english = f"{host} stopped sending the {what}. It is tried again later."
        raise _problem("stopped", what, english, host=host) from None
    finally:
        response.close()
    return b"".join(chunks)


def _get(session, url: str, *, headers: dict, what: str) -> requests.Response:
    try:
        host = _host(url)
        scheme = urlsplit(url).scheme
    except ValueError:
        raise FetchError(
            Text(gettext_noop("%(url)s is not a web address we can use."), url=url)
        ) from None
    if scheme not in ("http", "https"):
        raise FetchError(
            Text(gettext_noop("%(url)s is not a web address (http:// or https://)."), url=url)
        )
    session.headers["User-Agent"] = USER_AGENT
    try:
        return session.get(
            url,
            headers=headers,
            stream=True,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=True,
        )
    except UnsafeURL as error:
        raise FetchError(str(error)) from None
    except requests.TooManyRedirects:
        english = f"{host} redirected too many times. Use the {what}'s final address."
        raise _problem("redirects", what, english, host=host) from None
    except requests.Timeout:
        said = gettext_noop("%(host)s did not answer within %(seconds)s seconds.")
        raise FetchError(Text(said, host=host, seconds=f"{READ_TIMEOUT:g}")) from None
    except requests.RequestException:
        said = gettext_noop("Could not connect to %(host)s. Check the address.")
        raise FetchError(Text(said, host=host)) from None


def fetch_feed(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """The feed's bytes, or status 304 (and no body) when it has not changed since the
    ETag / Last-Modified given; FetchError otherwise."""
    headers = {"Accept": FEED_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with guarded_session() as session:
        return _feed(session, url, headers, etag, last_modified)


def _feed(session, url: str, headers: dict, etag: str, last_modified: str) -> Fetched:
    response = _get(session, url, headers=headers, what="feed")
    if response.status_code == 304:
        response.close()
        return Fetched(
            status=304,
            body=b"",
            url=response.url,
            etag=response.headers.get("ETag", etag),
            last_modified=response.headers.get("Last-Modified", last_modified),
        )
    if response.status_code != 200:
        response.close()
        code = response.status_code
        hint = {
            401: gettext_noop("It needs a login, which Postiz cannot give."),
            403: gettext_noop("The server refuses to give it to Postiz."),
            404: gettext_noop("Check the address: there is no feed there (any more)."),
            410: gettext_noop("The feed was removed for good."),
            429: gettext_noop("The server asks Postiz to come back later."),
        }.get(
            code,
            gettext_noop("It is tried again later.")
            if code >= 500
            else gettext_noop("Check the address."),
        )
        raise FetchError(
            Text(
                gettext_noop("%(host)s answered HTTP %(code)s for the feed. %(hint)s"),
                host=_host(url),
                code=code,
                hint=Text(hint),
            )
        )
    body = _read(response, FEED_MAX_BYTES, "feed")
    return Fetched(
        status=200,
        body=body,
        url=response.url,
        content_type=response.headers.get("Content-Type", ""),
        etag=response.headers.get("ETag", "")[:500],
        last_modified=response.headers.get("Last-Modified", "")[:100],
    )


class _OpenGraph(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.image = ""

    def handle_starttag(self, tag, attrs):
        if tag != "meta" or self.image:
            return
        attrs = {k.lower(): (v or "") for k, v in attrs}
        name = (attrs.get("property") or attrs.get("name") or "").lower()
        if name in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image"):
            self.image = attrs.get("content", "").strip()


_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


def page_image(url: str) -> str:
    """The og:image (or twitter:image) address a page declares, absolute; "" if none."""
    with guarded_session() as session:
        response = _get(session, url, headers={"Accept": "text/html"}, what="page")
        return _page_image(response, url)


def _page_image(response: requests.Response, url: str) -> str:
    if response.status_code != 200:
        response.close()
        raise FetchError(f"{_host(url)} answered HTTP {response.status_code} for the page.")
    body = _read(response, PAGE_MAX_BYTES, "page")
    end = _HEAD_END.search(body)
    parser = _OpenGraph()
    parser.feed(body[: end.start() if end else len(body)].decode("utf-8", "replace"))
    if not parser.image:
        return ""
    try:
        image = urljoin(response.url, parser.image)
        return image if urlsplit(image).scheme in ("http", "https") else ""
    except ValueError:  # a broken [IPv6] host in the page's markup
        return ""


def download_image(url: str) -> tuple[bytes, str]:
    """An image's bytes and the file name to store it under; FetchError when it is not an
    image, is larger than IMAGE_MAX_BYTES or does not come."""
    with guarded_session() as session:
        response = _get(session, url, headers={"Accept": "image/*"}, what="image")
        return _image(response, url)


def _image(response: requests.Response, url: str) -> tuple[bytes, str]:
    from media.sniff import sniff

    if response.status_code != 200:
        response.close()
        raise FetchError(f"{_host(url)} answered HTTP {response.status_code} for the image.")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and not kind.startswith("image/") and kind != "application/octet-stream":
        response.close()
        raise FetchError(f"The image at {_host(url)} is {kind}, not an image.")
    body = _read(response, IMAGE_MAX_BYTES, "image")
    found = sniff(body[:4096])
    if found is None or found.kind != "image":
        raise FetchError(f"The file at {_host(url)} is not an image Postiz accepts.")
    name = urlsplit(response.url).path.rsplit("/", 1)[-1] or f"image.{found.extension}"
    return body, name[:200]
