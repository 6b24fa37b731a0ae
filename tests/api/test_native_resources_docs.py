"""The OpenAPI document describes the native resources a script manages beside posts,
read from their DRF serializers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROUTES = {
    ("patch", "/api/v1/channels/{public_id}"),
    ("get", "/api/v1/channels/{public_id}/preferences"),
    ("put", "/api/v1/channels/{public_id}/preferences"),
    ("post", "/api/v1/channels/{public_id}/disable"),
    ("post", "/api/v1/channels/{public_id}/enable"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{public_id}"),
    ("patch", "/api/v1/customers/{public_id}"),
    ("delete", "/api/v1/customers/{public_id}"),
    ("patch", "/api/v1/media/{public_id}"),
    ("get", "/api/v1/signatures"),
    ("post", "/api/v1/signatures"),
    ("get", "/api/v1/signatures/{public_id}"),
    ("patch", "/api/v1/signatures/{public_id}"),
    ("delete", "/api/v1/signatures/{public_id}"),
    ("get", "/api/v1/sets"),
    ("post", "/api/v1/sets"),
    ("get", "/api/v1/sets/{public_id}"),
    ("patch", "/api/v1/sets/{public_id}"),
    ("delete", "/api/v1/sets/{public_id}"),
    ("get", "/api/v1/posts/{public_id}/comments"),
    ("post", "/api/v1/posts/{public_id}/comments"),
    ("get", "/api/v1/posts/{public_id}/comments/{comment_id}"),
    ("delete", "/api/v1/posts/{public_id}/comments/{comment_id}"),
    ("get", "/api/v1/members"),
    ("get", "/api/v1/members/{public_id}"),
}


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


def _body_fields(document, operation) -> set[str]:
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return set(document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])


def test_every_new_route_is_in_the_document_with_its_method(document):
    documented = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert not ROUTES - documented, ROUTES - documented


def test_request_bodies_name_what_a_script_may_send(document):
    paths = document["paths"]
    channel = _body_fields(document, paths["/api/v1/channels/{public_id}"]["patch"])
    assert channel == {"name", "customer_id", "posting_times", "timezone"}
    media = _body_fields(document, paths["/api/v1/media/{public_id}"]["patch"])
    assert media == {"name", "alt_text"}
    signature = _body_fields(document, paths["/api/v1/signatures"]["post"])
    assert signature == {"name", "content", "is_default"}
    new_set = _body_fields(document, paths["/api/v1/sets"]["post"])
    assert new_set == {"name", "channel_ids", "items", "settings"}
    assert _body_fields(document, paths["/api/v1/posts/{public_id}/comments"]["post"]) == {"body"}
    members = paths["/api/v1/members/{public_id}"]["get"]["responses"]["200"]
    ref = members["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(document["components"]["schemas"][ref]["properties"]) == {
        "id",
        "name",
        "email",
        "role",
        "joined_at",
    }
