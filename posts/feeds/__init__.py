"""RSS and Atom autopost: feeds an organization follows, whose new entries become posts.

``models`` holds the feed and the entries it has seen (imported by posts.models so they
belong to the posts app), ``fetch`` reads a feed over the SSRF-guarded client, ``parse``
turns its bytes into entries, ``text`` renders the post text, ``services`` writes, and
``selectors`` reads, scoped to an organization."""
