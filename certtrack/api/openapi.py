"""The OpenAPI document as generated clients read it (docs/integrations.md).

django-ninja writes the document from the views' signatures; this adds what a signature
cannot say: short operation ids (the view's name), optional request bodies that
generators make optional (not `anyOf [X, null]`), and the Tracking filters' real types
(the views take them as text and `tracking_queryset` parses them, so a bad value gets
its domain message and a 400 naming the parameter).
"""

from typing import Any

from ninja import NinjaAPI

from certtrack.certification.models import ORDERINGS

from .schemas import RenewalState, TrackingFilters, TrackingQuery

REF = "#/components/schemas/{}"

# Named components that only query parameters use.
COMPONENTS = {
    "Ordering": {
        "title": "Ordering",
        "description": "A Tracking list's order; prefix `-` for descending.",
        "type": "string",
        "enum": [f"{sign}{key}" for key in ORDERINGS for sign in ("", "-")],
    },
    "RenewalFilter": {
        "title": "RenewalFilter",
        "description": "Certifications whose renewal is in this state today.",
        "type": "string",
        "enum": [s.value for s in RenewalState if s.value in ("open", "review", "grace")],
    },
}

# A list parameter is sent comma-separated (`status=active,expiring`); repeating the
# parameter (`status=active&status=expiring`, as some clients do) means the same.
_LIST = {"style": "form", "explode": False}

# Each Tracking filter's type, by parameter name (wherever it appears).
QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "status": {"schema": {"type": "array", "items": {"$ref": REF.format("Status")}}, **_LIST},
    "program": {
        "schema": {"type": "array", "items": {"type": "integer", "minimum": 1}},
        **_LIST,
    },
    "expires_from": {"schema": {"type": "string", "format": "date"}},
    "expires_to": {"schema": {"type": "string", "format": "date"}},
    "as_of": {"schema": {"type": "string", "format": "date"}},
    "expires_within_days": {"schema": {"type": "integer", "minimum": 0, "maximum": 36500}},
    "updated_since": {"schema": {"type": "string", "format": "date-time"}},
    "ordering": {"schema": {"$ref": REF.format("Ordering")}},
    "renewal": {"schema": {"$ref": REF.format("RenewalFilter")}},
}


# Query parameter schemas: ninja lists each parameter on its own (typed above) and also
# publishes the schema as a component that nothing refers to; it is left out.
QUERY_SCHEMAS = (TrackingFilters, TrackingQuery)

# Schemas that only `openapi_extra` declarations name (so ninja does not collect them).
_MODELS: list[type] = []


def component(model: type) -> type:
    """Class decorator: publish a Schema as a named component of the document."""
    _MODELS.append(model)
    return model


def _enum_refs(operation: dict, schemas: dict) -> None:
    """A path or query parameter of a named enum refers to its component (ninja inlines it)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        named = schemas.get(schema.get("title", ""), {})
        if "enum" in schema and named.get("enum") == schema["enum"]:
            parameter["schema"] = {"$ref": REF.format(schema["title"])}


def _optional_body(operation: dict) -> None:
    """`anyOf [X, null]` body → body X, not required (the generators' optional body)."""
    body = operation.get("requestBody")
    if not body:
        return
    for content in body.get("content", {}).values():
        variants = content.get("schema", {}).get("anyOf", [])
        if len(variants) == 2 and {"type": "null"} in variants:
            content["schema"] = next(v for v in variants if v != {"type": "null"})
            body["required"] = False


def _typed_filters(operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        typed = QUERY_PARAMETERS.get(parameter["name"]) if parameter["in"] == "query" else None
        if typed:
            parameter.update(typed)


def refine(document: dict) -> dict:
    """The document ninja generated, with the refinements above applied in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    for model in QUERY_SCHEMAS:
        schemas.pop(model.__name__, None)
    for model in _MODELS:
        schemas.setdefault(
            model.__name__, model.model_json_schema(ref_template=REF.replace("{}", "{model}"))
        )
    for path in document.get("paths", {}).values():
        for operation in path.values():
            _optional_body(operation)
            _typed_filters(operation)
            _enum_refs(operation, schemas)
    return document


class CerttrackAPI(NinjaAPI):
    """NinjaAPI whose document is `refine`d and whose operation ids are the views' names
    (`list_enrollments`, `perform_action`): short and stable for generated clients."""

    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return refine(document)
