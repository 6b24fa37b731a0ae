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
