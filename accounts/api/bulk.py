"""Bulk upsert of customers and contacts by external id, for integrations (an ERP's keys).

`POST /api/v1/customers/bulk-upsert/` and `/api/v1/contacts/bulk-upsert/` take
`{"items": [...]}` (at most `BULK_UPSERT_MAX`); each item is created, or updated if a record
with its `external_id` exists, through the same services, checks, audit and access rules as
one at a time. Items succeed or fail on their own (each in its own savepoint) and the answer
lists one result per item, in order. See docs/adr/0009-bulk-endpoints.md.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from accounts.models import Customer
from accounts.services import BULK_UPSERT_MAX
from core import policy
from core.api.errors import _flatten
from core.api.serializers import ErrorSerializer
from core.errors import ValidationFailed

from .serializers import ContactSerializer, CustomerSerializer

EXTERNAL_ID = {"max_length": 64, "help_text": "The other system's key for this record."}


class CustomerBulkItemSerializer(CustomerSerializer):
    """One customer to create or update; `external_id` is the key."""

    external_id = serializers.CharField(**EXTERNAL_ID)


class ContactBulkItemSerializer(ContactSerializer):
    """One contact to create or update; `external_id` is the key. Name the customer by its id
    (`customer`) or by its own external id (`customer_external_id`)."""

    external_id = serializers.CharField(**EXTERNAL_ID)
    customer_external_id = serializers.CharField(
        max_length=64, required=False, write_only=True, help_text="Instead of `customer`."
    )

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "customer_external_id"]
        extra_kwargs = {"customer": {"required": False}}


class BulkEnvelopeSerializer(serializers.Serializer):
    """What the view checks before any item: a list of objects, not too many."""

    items = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=BULK_UPSERT_MAX
    )
    allow_duplicate = serializers.BooleanField(default=False)


class CustomerBulkRequestSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=CustomerBulkItemSerializer(), allow_empty=False, max_length=BULK_UPSERT_MAX
    )
    allow_duplicate = serializers.BooleanField(
        default=False,
        help_text="Create new customers even though likely duplicates exist (by name, credit "
        "code, phone or e-mail); otherwise such an item fails with `duplicate_customer`.",
    )


class ContactBulkRequestSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=ContactBulkItemSerializer(), allow_empty=False, max_length=BULK_UPSERT_MAX
    )


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 0.")
    external_id = serializers.CharField(allow_null=True)
    id = serializers.IntegerField(allow_null=True, help_text="The record's id, unless it failed.")
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    error = ErrorSerializer(required=False, help_text="Only when `status` is error.")


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True)


def bulk_response(results: list[dict]) -> dict:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    for result in results:
        counts[result["status"]] += 1
    return {
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "errors": counts["error"],
        "results": results,
    }


def item_validator(serializer_class, context: dict, prepare=None):
    """`validate(item, instance)` for the upsert services: the item through the resource's
    serializer (partial for an update), bad input as `ValidationFailed` with its fields."""

    def validate(item: dict, instance) -> dict:
        if prepare is not None:
            item = prepare(item)
        serializer = serializer_class(
            instance, data=item, partial=instance is not None, context=context
        )
        if not serializer.is_valid():
            raise ValidationFailed(_("Invalid input."), fields=_flatten(serializer.errors))
        data = dict(serializer.validated_data)
        data.pop("customer_external_id", None)
        return data

    return validate


def customer_ids_by_external_id(user, items: list[dict]) -> dict[str, int]:
    """The customers the items name by `customer_external_id`, that the user may view: one
    query for the whole request."""
    wanted = {
        item["customer_external_id"]
        for item in items
        if isinstance(item.get("customer_external_id"), str) and item["customer_external_id"]
    }
    if not wanted:
        return {}
    rows = policy.restrict(Customer.objects.filter(external_id__in=wanted), user, "view")
    return dict(rows.values_list("external_id", "pk"))


def contact_preparer(user, items: list[dict]):
    """Turns `customer_external_id` into `customer` (unknown or unseen: no such customer)."""
    known = customer_ids_by_external_id(user, items)

    def prepare(item: dict) -> dict:
        reference = item.get("customer_external_id")
        if reference in (None, ""):
            return item
        if not isinstance(reference, str) or reference not in known:
            raise ValidationFailed(
                _("No such customer."), fields={"customer_external_id": [_("No such customer.")]}
            )
        return {**item, "customer": known[reference]}

    return prepare


CUSTOMER_EXAMPLES = [
    OpenApiExample(
        "Two customers from the ERP",
        request_only=True,
        value={
            "items": [
                {"external_id": "ERP-C-1001", "name": "Foshan Water Co., Ltd.", "region": "广东"},
                {"external_id": "ERP-C-1002", "name": "Zhuhai Port Group", "phone": "0756-1234"},
            ]
        },
    ),
    OpenApiExample(
        "Per-item results",
        response_only=True,
        value={
            "created": 1,
            "updated": 0,
            "unchanged": 0,
            "errors": 1,
            "results": [
                {"index": 0, "external_id": "ERP-C-1001", "id": 41, "status": "created"},
                {
                    "index": 1,
                    "external_id": "ERP-C-1002",
                    "id": None,
                    "status": "error",
                    "error": {
                        "code": "invalid",
                        "message": "Invalid input.",
                        "fields": {"org_unit": ["Required."]},
                    },
                },
            ],
        },
    ),
]

CONTACT_EXAMPLES = [
    OpenApiExample(
        "A contact at a customer named by its external id",
        request_only=True,
        value={
            "items": [
                {
                    "external_id": "ERP-P-77",
                    "customer_external_id": "ERP-C-1001",
                    "name": "Li Wei",
                    "title": "CIO",
                }
            ]
        },
    )
]
