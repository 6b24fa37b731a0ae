"""The Postiz-compatible surface, ``/public/v1`` (alias ``/api/public/v1``).

Layout of the API code:

- ``postiz/api.py``: what both surfaces share (key authentication, scopes, rate counters,
  idempotency, time formats, error shapes); ``postiz/api_serializers.py`` the base class
  of every answer serializer; ``postiz/api_docs.py`` the one OpenAPI document.
- ``postiz/public_api/``: this package, the compatible surface, as DRF views. ``base``
  holds ``CompatView`` (the contract's key check, JSON parsing and error bodies),
  ``transport`` the wire rules before the views (slashes, JSON on every status) and the
  error bodies, ``serializers`` what clients send (``requests``) and what we answer
  (``answers``), ``views`` one class per route (``channels``, ``posts``, ``media``,
  ``analytics``), ``urls`` the routes.
- ``postiz/native_api/``: our own ``/api/v1`` surface (problem details, cursors, ETags),
  over the same services.

Nothing here holds a business rule: the views read the request through a serializer, call
the apps' services (``posts.services.groups``, ``media.services``,
``integrations.services``...) and answer through a serializer.
"""
