"""The posts pages: one module per page family (calendar, composer, failures,
notifications, webhooks, signatures/sets/tags)."""
