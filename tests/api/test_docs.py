"""The OpenAPI document and the self-hosted docs page."""

import json
import re
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client

from points.api import api

OPERATIONS = {
    ("post", "/api/v1/members"),
    ("get", "/api/v1/members/{card_no_or_phone}"),
    ("get", "/api/v1/members/{card_no_or_phone}/ledger"),
    ("post", "/api/v1/points/preview"),
    ("post", "/api/v1/purchases"),
    ("get", "/api/v1/purchases/{receipt_no}"),
    ("post", "/api/v1/purchases/{receipt_no}/refunds"),
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _document() -> dict[str, Any]:
    """The document as JSON has it (status codes as strings)."""
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


def test_the_openapi_document_is_served_without_a_key() -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json() == _document()


def test_the_document_lists_every_operation_behind_the_bearer_key() -> None:
    document = _document()

    operations = {
        (method, path)
        for path, methods in document["paths"].items()
        for method in methods
    }
    assert operations == OPERATIONS
    assert document["components"]["securitySchemes"]["TerminalKey"]["scheme"] == (
        "bearer"
    )
    for path, method in ((p, m) for m, p in OPERATIONS):
        assert document["paths"][path][method]["security"] == [{"TerminalKey": []}]


def test_every_operation_documents_its_errors_in_the_one_shape() -> None:
    document = _document()

    for method, path in OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        errors = {status for status in responses if status.startswith("4")}
        assert {"400", "401"} <= errors, (method, path)
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == ERROR_REF, (method, path, status)
    error = document["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    assert "| 409 | `idempotency_conflict` |" in document["info"]["description"]


def test_post_operations_document_the_idempotency_key_header() -> None:
    document = _document()

    for method, path in OPERATIONS:
        names = {
            parameter["name"]
            for parameter in document["paths"][path][method].get("parameters", [])
            if parameter["in"] == "header"
        }
        assert names == ({"Idempotency-Key"} if method == "post" else set())


def test_the_docs_page_loads_nothing_from_another_host() -> None:
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert "ninja/swagger-ui-bundle.js" in assets
    assert "ninja/swagger-ui.css" in assets
    for asset in assets:
        assert finders.find(asset) is not None, asset
    assert '"url": "/api/v1/openapi.json"' in html
