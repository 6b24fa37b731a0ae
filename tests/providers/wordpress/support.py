"""Shared pieces of the WordPress tests: a channel on the local fake, answers recorded from
a real WordPress 6.1 (Debian's package; see tests/peers/wordpress.py), and its password."""

import json
from pathlib import Path

from werkzeug import Response

from integrations.providers.base import Channel

HERE = Path(__file__).parent
SITE = "https://fieldnotes.acme.example"
# The second recorded site, without pretty permalinks.
PLAIN = "https://plain.acme.example"
USERNAME = "editor"
APP_PASSWORD = "Xk3p 9QaL 7mWz 2RtY 5vBn 8CdE"
CREDENTIALS = {"username": USERNAME, "app_password": APP_PASSWORD}
BASIC = "Basic ZWRpdG9yOlhrM3AgOVFhTCA3bVd6IDJSdFkgNXZCbiA4Q2RF"


def recorded(name: str, origin: str = "") -> dict:
    """A recorded answer; the site's address in it becomes ``origin`` (the fake's)."""
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    if origin:
        text = text.replace(SITE, origin).replace(PLAIN, origin)
    return json.loads(text)


def reply(name: str, origin: str = "", edit=None) -> Response:
    data = recorded(name, origin)
    if edit is not None:
        edit(data["body"])
    body = data.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data.get("status", 200), headers=headers)


def wp_channel(origin: str, **meta) -> Channel:
    return Channel(
        f"{SITE}#1",
        dict(CREDENTIALS),
        username=f"editor@{SITE.split('://')[1]}",
        meta={
            "url": origin,
            "rest_root": f"{origin}/wp-json/",
            "can_publish": True,
            "can_upload": True,
            "canonical_meta": "",
            **meta,
        },
    )
