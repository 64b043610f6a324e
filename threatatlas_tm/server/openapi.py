"""The OpenAPI 3.1 description of the server, built from its route table (a test keeps the
two equal) and the published security-status schema."""

from __future__ import annotations

from typing import Any

from threatatlas_tm import __version__
from threatatlas_tm.core.schema import load_schema

_THRESHOLD_PARAMETERS = [
    {"name": "fail_on_critical", "in": "query", "required": False,
     "description": "Fail when any critical threat exists. true/false/1/0/yes/no/on/off/t/f/y/n.",
     "schema": {"type": "boolean", "default": False}},
    {"name": "fail_on_unmitigated_high", "in": "query", "required": False,
     "description": "Fail when a high/critical threat has no active mitigation.",
     "schema": {"type": "boolean", "default": False}},
    {"name": "min_mitigation_ratio", "in": "query", "required": False,
     "description": "Fail when the mitigated ratio is below this finite number in [0, 1].",
     "schema": {"type": "number", "minimum": 0, "maximum": 1}},
]
_ID = {"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_AUTH_ERRORS = {"401": _ERROR, "404": _ERROR, "422": _ERROR}


def _path(route_pattern: str) -> str:
    return route_pattern.replace(r"(?P<id>[0-9]{1,12})", "{product_id}").replace("\\.", ".")


def _operation(summary: str, content_type: str, schema: dict[str, Any], parameters: list[dict[str, Any]],
               public: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "parameters": parameters,
        "responses": {"200": {"description": "OK", "content": {content_type: {"schema": schema}}},
                      **({} if public else _AUTH_ERRORS)},
    }
    if public:
        operation["security"] = []
    return {"get": operation}


def document() -> dict[str, Any]:
    from threatatlas_tm.server.app import DOCX, ROUTES

    status_schema = {k: v for k, v in load_schema("security-status").items() if k not in ("$schema", "$id")}
    content: dict[str, tuple[str, dict[str, Any], list[dict[str, Any]]]] = {
        "dashboard": ("text/html", {"type": "string"}, _THRESHOLD_PARAMETERS),
        "health": (
            "application/json", {"type": "object", "required": ["status", "models_loaded", "files_in_error"],
                                 "properties": {"status": {"enum": ["ok", "degraded"]},
                                                "models_loaded": {"type": "integer"},
                                                "files": {"type": "integer"},
                                                "files_in_error": {"type": "integer"},
                                                "errors": {"type": "array"}, "conflicts": {"type": "array"}}}, []),
        "openapi": ("application/json", {"type": "object"}, []),
        "products": ("application/json", {"type": "array", "items": {"$ref": "#/components/schemas/ProductSummary"}}, []),
        "product": ("application/json", {"$ref": "#/components/schemas/ProductSummary"}, [_ID]),
        "security_status": ("application/json", {"$ref": "#/components/schemas/SecurityStatus"},
                            [_ID, *_THRESHOLD_PARAMETERS]),
        "report_md": ("text/markdown", {"type": "string"}, [_ID, *_THRESHOLD_PARAMETERS]),
        "report_docx": (DOCX, {"type": "string", "format": "binary"}, [_ID, *_THRESHOLD_PARAMETERS]),
        "badge": ("image/svg+xml", {"type": "string"}, [_ID, *_THRESHOLD_PARAMETERS]),
    }
    paths = {}
    for route in ROUTES:
        content_type, schema, parameters = content[route.name]
        paths[_path(route.pattern.pattern)] = _operation(route.summary, content_type, schema, parameters, route.public)
    return {
        "openapi": "3.1.0",
        "info": {"title": "threatatlas-tm server", "version": __version__,
                 "description": "ThreatAtlas's security-status endpoint and report downloads, served from YAML."},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "ta_… API token (threatatlas-tm token create)"}},
            "schemas": {
                "SecurityStatus": status_schema,
                "ProductSummary": {"type": "object", "required": ["id", "name", "pass", "summary"],
                                   "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                  "pass": {"type": "boolean"}, "summary": {"type": "object"},
                                                  "unmitigated_high": {"type": "integer"}}},
                "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {}}},
            },
        },
    }
