"""Short links: the links of a post shortened when it is published, and their clicks.

- Each organization chooses (``LinkSettings.preference``): *ask* (the composer offers it
  and the choice is kept on the post group, ``GroupLinkChoice``), *always* or *never*;
  and a shortener: the built-in one on our own domain (``/l/<code>``, no other service
  needed), Dub, Short.io or a self-hosted Kutt (``shorteners``).
- The engine shortens a post's links once, before anything of it is sent
  (``services.links_prepare``): the short URL of each link is stored on its item
  (``PostItem.progress[LINKS_KEY]``) together with a ``ShortLink`` row, and every attempt
  builds the text it sends from that map, so a retry or a look-up after an unclear
  outcome sends exactly the text the first attempt sent. An item that may already be on
  the network without a map is never shortened afterwards. A shortener that fails fails
  the attempt before anything is sent.
- A link's target never changes once made. Clicks: the built-in redirect counts them
  (bots and HEAD requests left out, ``bots``); the others' counts are read by a worker job
  (``tasks.sync_clicks``).
"""

# Where an item's map {original URL: short URL} is kept between attempts.
LINKS_KEY = "short_links"
