"""The Postiz-compatible surface, ``/public/v1`` (alias ``/api/public/v1``).

Layout of the API code:

- ``postiz/api.py``: what both surfaces share (key authentication, scopes, rate counters,
  idempotency, time formats, error shapes).
- ``postiz/public_api/``: this package, the compatible surface. ``transport`` holds the
  wire rules (slashes, JSON on every status, body limits, auth bodies), ``shapes`` turns
  our rows into the compatible JSON objects; ``views`` (channels, analytics,
  notifications and the shared readers), ``media`` and ``posts`` hold one thin adapter
  per route over the apps' services; ``urls`` the routes.
- ``postiz/native_api/``: our own ``/api/v1`` surface (DRF, problem details, cursors,
  ETags), over the same services.

Nothing here holds a business rule: the adapters translate requests into service calls
(``posts.services.groups``, ``media.services``, ``integrations.services``...) and the
answers back into the compatible shapes.
"""
