"""The OpenAPI document and the docs page, served from this instance only."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_with_the_native_routes(db):
    response = Client().get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert "/api/v1/posts/{public_id}" in body["paths"]
    assert Client().get("/api/v1/openapi.json").status_code == 200


def test_docs_page_loads_everything_from_our_static_files(db):
    page = Client().get("/api/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page


def test_one_document_covers_both_surfaces_with_the_compatible_routes_under_their_tag(db):
    body = Client().get("/api/v1/openapi.json").json()
    assert body["openapi"] == "3.1.0"
    compat = {
        (method.upper(), path)
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
        if "Postiz-compatible /public/v1" in operation["tags"]
    }
    # Every route of the compatible surface, with its method, and nothing else under it.
    assert compat == {
        ("GET", "/public/v1/is-connected"),
        ("GET", "/public/v1/integrations"),
        ("DELETE", "/public/v1/integrations/{id}"),
        ("GET", "/public/v1/groups"),
        ("GET", "/public/v1/social/{provider}"),
        ("GET", "/public/v1/integration-settings/{id}"),
        ("POST", "/public/v1/integration-trigger/{id}"),
        ("POST", "/public/v1/upload"),
        ("POST", "/public/v1/upload-from-url"),
        ("GET", "/public/v1/find-slot/{id}"),
        ("GET", "/public/v1/posts"),
        ("POST", "/public/v1/posts"),
        ("DELETE", "/public/v1/posts/{id}"),
        ("DELETE", "/public/v1/posts/group/{group}"),
        ("PUT", "/public/v1/posts/{id}/settings"),
        ("PUT", "/public/v1/posts/{id}/status"),
        ("GET", "/public/v1/posts/{id}/missing"),
        ("PUT", "/public/v1/posts/{id}/release-id"),
        ("GET", "/public/v1/analytics/{integration}"),
        ("GET", "/public/v1/analytics/post/{postId}"),
        ("GET", "/public/v1/notifications"),
        ("POST", "/public/v1/generate-video"),
        ("POST", "/public/v1/video/function"),
    }
    assert "/api/v1/posts" in body["paths"]  # the native surface is there too
    create = body["paths"]["/public/v1/posts"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "429"}
    assert create["security"] == [{"compatKey": []}]
    scheme = body["components"]["securitySchemes"]["compatKey"]
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")


def test_the_documented_compatible_routes_answer_with_the_documented_status(db, org, owner):
    """Each row of the table points at a live route: a key-less request gets the
    compatible 401 body, not the catch-all 404."""
    body = Client().get("/api/v1/openapi.json").json()
    for path, operations in body["paths"].items():
        if not path.startswith("/public/v1/"):
            continue
        for method in operations:
            concrete = path.replace("{", "x").replace("}", "")
            response = Client().generic(method.upper(), concrete)
            assert response.status_code == 401, (method, path, response.content)
            assert response.json() == {"msg": "No API Key found"}


def test_the_docs_page_is_also_under_api_v1_and_reads_the_api_v1_document(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "/api/v1/openapi.json" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
