"""Which requests of a short link are not a person clicking it.

A click is counted on GET only (a HEAD is a client checking the link, not following it)
and only when the User-Agent is not one of these: search engine crawlers, the link
previewers of social networks and chat apps (they fetch a link as soon as it is posted,
before anyone clicks), monitoring and command-line tools, and headless browsers. An empty
User-Agent is not counted either: browsers always send one.

The list, by the words looked for (case-insensitive) in the User-Agent:

- generic: bot, crawl, spider, slurp, scrape, fetch, preview, monitor, check, scan, probe,
  http-client, python, curl, wget, go-http-client, okhttp, java/, libwww, axios,
  node-fetch, headlesschrome, phantomjs, lighthouse
- search engines: googlebot, google-inspectiontool, bingbot, bingpreview, yandex,
  baiduspider, duckduckbot, applebot, petalbot, sogou, seznambot, ahrefs, semrush, mj12bot
- link previewers: facebookexternalhit, facebookcatalog, meta-externalagent, twitterbot,
  linkedinbot, slackbot, slack-imgproxy, discordbot, telegrambot, whatsapp, skypeuripreview,
  pinterest, redditbot, embedly, iframely, mastodon, pleroma, misskey, akkoma, bluesky
  (Cardyb), cardyb, vkshare, outbrain, quora link preview, tumblr, snapchat, viber,
  line/, kakaotalk-scrap, zoominfobot, google-pageRenderer (Google Docs/Chat previews)
"""

from __future__ import annotations

import re

_WORDS = (
    # generic
    "bot", "crawl", "spider", "slurp", "scrape", "fetch", "preview", "monitor", "check",
    "scan", "probe", "http-client", "python", "curl", "wget", "go-http-client", "okhttp",
    "java/", "libwww", "axios", "node-fetch", "headlesschrome", "phantomjs", "lighthouse",
    # search engines (most match "bot" already; kept for the ones that do not)
    "google-inspectiontool", "yandex", "baiduspider", "sogou", "ahrefs", "semrush",
    # link previewers
    "facebookexternalhit", "facebookcatalog", "meta-externalagent", "whatsapp",
    "skypeuripreview", "pinterest", "embedly", "iframely", "mastodon", "pleroma", "misskey",
    "akkoma", "cardyb", "vkshare", "outbrain", "quora link preview", "tumblr", "snapchat",
    "viber", "line/", "kakaotalk-scrap", "google-pagerenderer",
)  # fmt: skip
_PATTERN = re.compile("|".join(re.escape(word) for word in _WORDS), re.IGNORECASE)


def is_bot(user_agent: str) -> bool:
    """True when a request with this User-Agent is not a person's click."""
    return not user_agent or _PATTERN.search(user_agent) is not None
