"""The OpenAPI document describes every operation of both surfaces: generating it emits no
warning or error, every operation but a DELETE says what it answers, and the native
refusals are the problem details the API writes."""

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def generated():
    """The document as ``manage.py spectacular`` writes it, and what generating it
    reported (the command's --fail-on-warn fails on any of them)."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        document = SchemaGenerator().get_schema(request=None, public=True)
    reported = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    return document, reported


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method, path, operation


def test_generating_the_document_emits_no_warning_or_error(generated):
    document, reported = generated
    assert reported == []
    validate_schema(document)


def test_every_operation_but_a_delete_documents_its_answer_body(generated):
    document, _ = generated
    missing = []
    for method, path, operation in _operations(document):
        answers = {
            code: response
            for code, response in operation["responses"].items()
            if code.startswith("2")
        }
        # A route this server does not offer answers 501 (its body documented) instead.
        answers = answers or {k: v for k, v in operation["responses"].items() if k == "501"}
        if method == "delete":
            if not path.startswith("/public/v1/") and set(answers) != {"204"}:
                missing.append((method, path, sorted(answers)))
            continue
        if not any(response.get("content") for response in answers.values()):
            missing.append((method, path, sorted(answers)))
    assert not missing, missing
    assert len(list(_operations(document))) >= 80


def test_native_refusals_are_problem_details(generated):
    document, _ = generated
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    for method, path, operation in _operations(document):
        if path.startswith("/public/v1/"):
            continue
        for code in ("401", "403", "429"):
            content = operation["responses"][code]["content"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }, (method, path, code)


def test_lists_are_cursor_pages_and_uploads_are_multipart(generated):
    document, _ = generated
    paths, schemas = document["paths"], document["components"]["schemas"]
    for path in ("/api/v1/channels", "/api/v1/media", "/api/v1/tags", "/api/v1/webhooks"):
        answer = paths[path]["get"]["responses"]["200"]["content"]["application/json"]
        page = schemas[answer["schema"]["$ref"].rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"data", "next_cursor"}, path
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= names, path
    upload = paths["/api/v1/media"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert "201" in upload["responses"]
    assert "requestBody" in paths["/api/v1/tags"]["post"]
    assert "requestBody" in paths["/api/v1/webhooks/{public_id}"]["patch"]
