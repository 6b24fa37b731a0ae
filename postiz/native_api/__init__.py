"""Our own API, ``/api/v1`` (spec section 4): DRF views over the apps' services.

``base`` holds what every view shares (key auth and scopes, per-key rate limits with
``X-RateLimit-*`` headers, ``Idempotency-Key`` on creating POSTs, ETags, cursor pages,
problem-details errors); ``serializers`` validates requests (and feeds the OpenAPI
document); ``views`` has one class per resource; ``urls`` the routes. The
Postiz-compatible surface lives in ``postiz.public_api``; both call the same services.
"""
