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
