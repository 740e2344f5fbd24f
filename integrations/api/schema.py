"""How API-key authentication appears in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.auth.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key ltc_<prefix>_<secret>`, issued by an administrator.",
        }


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Send the same key when retrying: the first result is returned again and nothing is "
        "created twice. The same key with a different request is a 422; while the first "
        "request is still running, a 409. Keys are kept for 24 hours."
    ),
}


def document_idempotency_key(result, generator, request, public):
    """Spectacular post-processing hook: every POST accepts an Idempotency-Key header."""
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is not None:
            post.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
    return result


#: The errors any operation may answer, beyond those its view documents (all in the one
#: error shape): bad input, not signed in, refused (or an API key's scope), not found (or
#: not visible; also a stale cursor on a list), rate-limited.
COMMON_ERRORS = {
    "400": "Bad input: `fields` names what is wrong.",
    "401": "Not signed in, or the token or API key is unknown.",
    "403": "Not allowed (role, access policy or the API key's scopes).",
    "404": "No such record, or not one you may see.",
    "429": "Too many requests for this API key; retry after `Retry-After` seconds.",
}
#: And those of every write.
WRITE_ERRORS = {
    "409": "A clash with the record's state, a concurrent change (`If-Match`), or the same "
    "`Idempotency-Key` still being processed.",
    "413": "The body is larger than the server accepts (`too_large`).",
    "422": "The `Idempotency-Key` was used for another request.",
}


def document_error_responses(result, generator, request, public):
    """Spectacular post-processing hook: every operation documents the errors the API's
    common layers (authentication, policy, pagination, throttling, idempotency) may answer,
    with the one error shape, so clients and schemathesis know every status they can get."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Error",
        {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        },
    )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = dict(COMMON_ERRORS)
            if method != "get":
                codes.update(WRITE_ERRORS)
            for code, description in codes.items():
                responses.setdefault(code, {"content": error, "description": description})
    return result
