"""The compatible surface's wire rules (spec 2.1 to 2.3): what unmodified clients rely on."""

import json

import pytest
from django.test import Client

from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db


def _is_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def test_key_check_answers_connected(api):
    response = api.get("/public/v1/is-connected")
    assert response.status_code == 200
    assert _is_json(response) == {"connected": True}


def test_alias_prefix_reaches_the_same_routes(api):
    assert api.get("/api/public/v1/is-connected").json() == {"connected": True}


def test_trailing_slash_reaches_the_same_view_without_redirect(api):
    response = api.get("/public/v1/is-connected/")
    assert response.status_code == 200
    assert response.json() == {"connected": True}


def test_repeated_slashes_from_a_base_url_ending_in_slash_are_collapsed(api):
    response = api.get("http://testserver//public/v1//is-connected")
    assert response.status_code == 200
    assert response.json() == {"connected": True}


def test_unknown_route_is_a_json_404_naming_method_and_path(api):
    response = api.get("/public/v1/users")
    assert response.status_code == 404
    assert _is_json(response) == {
        "statusCode": 404,
        "message": "Cannot GET /public/v1/users",
        "error": "Not Found",
    }


def test_unknown_method_on_a_known_path_is_a_json_404(api):
    response = api.patch("/public/v1/is-connected")
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot PATCH /public/v1/is-connected"


def test_post_to_an_unknown_route_without_csrf_token_is_a_json_404(api):
    csrf_client = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"]
    )
    response = csrf_client.post("/public/v1/nothing", "{}", content_type="application/json")
    assert response.status_code == 404
    assert _is_json(response)["statusCode"] == 404


def test_get_with_json_content_type_and_empty_body_is_fine(api):
    response = api.generic("GET", "/public/v1/is-connected", b"", content_type="application/json")
    assert response.status_code == 200


def test_no_cookie_is_set(api):
    response = api.get("/public/v1/is-connected")
    assert not response.cookies


def test_csrf_is_not_required_for_posts(key, channel):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=key[1])
    response = client.post(
        "/public/v1/posts",
        {
            "type": "draft",
            "date": "2030-01-01T10:00:00Z",
            "posts": [
                {"integration": {"id": str(channel.public_id)}, "value": [{"content": "hi"}]}
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_malformed_json_is_a_400_validation_shape(api):
    response = api.post("/public/v1/posts", b"{not json", content_type="application/json")
    assert response.status_code == 400
    body = _is_json(response)
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert isinstance(body["message"], list) and body["message"]


def test_json_body_is_parsed_whatever_the_declared_type(api, channel):
    body = json.dumps(
        {
            "type": "draft",
            "date": "2030-01-01",
            "posts": [
                {"integration": {"id": str(channel.public_id)}, "value": [{"content": "hi"}]}
            ],
        }
    )
    response = api.post("/public/v1/posts", body, content_type="text/plain")
    assert response.status_code == 201, response.content


def test_a_body_over_the_limit_is_a_413(api, settings):
    settings.COMPAT_MAX_JSON_BODY = 1000
    response = api.post(
        "/public/v1/posts", b'{"x":"' + b"a" * 2000 + b'"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert _is_json(response) == {"msg": "Request body too large"}


def test_missing_key_is_a_401_no_api_key_found(db):
    for headers in ({}, {"HTTP_AUTHORIZATION": ""}, {"HTTP_AUTHORIZATION": "   "}):
        response = Client(**headers).get("/public/v1/is-connected")
        assert response.status_code == 401
        assert _is_json(response) == {"msg": "No API Key found"}


def test_unknown_revoked_or_expired_key_is_a_401_invalid_api_key(org, owner):
    from datetime import timedelta

    from django.utils import timezone

    revoked, revoked_raw = make_key(org, name="r")
    revoked.revoked_at = timezone.now()
    revoked.save()
    _expired, expired_raw = make_key(org, name="e")
    _expired.expires_at = timezone.now() - timedelta(minutes=1)
    _expired.save()
    for raw in ("ptz_unknown", revoked_raw, expired_raw, "garbage"):
        response = Client(HTTP_AUTHORIZATION=raw).get("/public/v1/is-connected")
        assert response.status_code == 401
        assert response.json() == {"msg": "Invalid API key"}


def test_bearer_prefix_is_tolerated(key):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}").get("/public/v1/is-connected")
    assert response.status_code == 200


def test_oauth_tokens_are_not_accepted_yet(db):
    response = Client(HTTP_AUTHORIZATION="pos_abc").get("/public/v1/is-connected")
    assert response.status_code == 401
    assert response.json() == {"msg": "Invalid OAuth token"}


def test_a_key_without_the_scope_is_refused_naming_it(org):
    _key, raw = make_key(org, scopes=["posts:read"])
    client = Client(HTTP_AUTHORIZATION=raw)
    response = client.get("/public/v1/integrations")
    assert response.status_code == 403
    assert response.json() == {"msg": "Missing scope: channels:read"}
    assert client.get("/public/v1/is-connected").status_code == 200


def test_an_unhandled_error_is_a_json_500_without_internals(api, monkeypatch):
    from postiz.public_api.views import IsConnected

    def boom(view, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(IsConnected, "get", boom)
    response = api.get("/public/v1/is-connected")
    assert response.status_code == 500
    assert _is_json(response) == {"statusCode": 500, "message": "Internal server error"}
    assert b"secret" not in response.content


def test_video_generation_is_a_501(api):
    response = api.post("/public/v1/generate-video", {}, content_type="application/json")
    assert response.status_code == 501
    assert response.json() == {"msg": "Video generation is not available on this server"}
