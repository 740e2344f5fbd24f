"""Serializers of the core, and the base every record serializer builds on."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import relations, serializers

from core import custom_fields, fsm, money, policy, portal, validators
from core.api.errors import _flatten
from core.choices import Decision, GateKind, RiskLevel, TriangleRole
from core.gates import GATE_TOPICS
from core.models import AuditEvent, AuthorityRule, GateAssessment, GateReview, Notification

from . import fields
from .fields import DateTimeField


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    reason_required = serializers.BooleanField()
    confirm = serializers.BooleanField()


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id the user may only point at if the access policy lets them see that record:
    guessing the id of someone else's customer is "does not exist", like a 404."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset.model, "access"):
            queryset = policy.restrict(queryset, request.user, "view")
        return queryset


def hide_amounts(serializer, instance, represent) -> dict:
    """`represent(instance)`, with its money values null where the requester may not see the
    row's amounts (`money.amounts_shown`): money fields, decimals of money's size, money
    custom values. Rows nested in a hidden one are read within `amounts_hidden()`, so they
    hide theirs too (a contract's milestones, a board card's figures)."""
    if money.amounts_shown(instance):
        return represent(instance)
    with money.amounts_hidden():
        data = represent(instance)
    for name, field in serializer.fields.items():
        if name not in data:
            continue
        if fields.is_money(field) and (field.allow_null or isinstance(field, fields.MoneyField)):
            data[name] = None
        elif isinstance(field, fields.CustomValuesField) and isinstance(data[name], dict):
            data[name] = {
                key: None if isinstance(value, dict) and "amount" in value else value
                for key, value in data[name].items()
            }
    return data


class ReadableFieldsOnce:
    """The fields a row is read through, found once per serializer rather than once per row:
    DRF walks every field of the serializer again for each row of a page (50 rows of 20-40
    fields), a few percent of a list request. No serializer here changes its fields after
    building them."""

    @cached_property
    def _readable_fields(self) -> list:
        return [field for field in self.fields.values() if not field.write_only]


class RowSerializer(ReadableFieldsOnce, serializers.Serializer):
    """A plain serializer of records read for a person (a board's cards): its money values are
    null on the rows whose amounts they may not see, as in `ModelSerializer`."""

    def to_representation(self, instance):
        return hide_amounts(self, instance, super().to_representation)


class ModelSerializer(ReadableFieldsOnce, serializers.ModelSerializer):
    """Base of every model serializer: money fields take parse_money's input (and refuse a
    negative amount unless the model field allows it), date fields the business range.

    A row whose amounts the requester may not see (annotated `amounts_shown` false by
    `policy.with_amounts_shown`, which `ScopedViewSetMixin` applies to every queryset) is read
    with its money values null: money fields, decimals of money's size, money custom values."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: fields.DateField,
        models.DateTimeField: fields.DateTimeField,
        money.MoneyField: fields.MoneyField,
        validators.CleanedFieldMixin: fields.CleanedCharField,
        custom_fields.CustomValuesField: fields.CustomValuesField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, fields.MoneyField):
            kwargs["allow_negative"] = model_field.allow_negative
        if issubclass(field_class, fields.CleanedCharField):
            kwargs["cleaner"] = model_field.cleaner
        return field_class, kwargs

    def get_fields(self):
        found = super().get_fields()
        for field in found.values():
            if field.read_only and fields.is_money(field) and not field.allow_null:
                field.allow_null = True  # the schema says so: null where amounts are hidden
                field.help_text = field.help_text or fields.AMOUNT_HIDDEN
        return found

    def to_representation(self, instance):
        data = hide_amounts(self, instance, super().to_representation)
        request = self.context.get("request")
        if request is not None and policy.is_partner_user(request.user):
            # Our costs and margins are not a partner's to read (ADR 21).
            # A field the schema lets be null reads null; any other is left out.
            for name in [k for k in data if portal.is_internal_field(k)]:
                field = self.fields.get(name)
                if field is not None and field.allow_null:
                    data[name] = None
                else:
                    del data[name]
        return data


class WriteScopeMixin:
    """Holds what a write points at to the writer's scope, field by field, before anything
    else about the request is judged: an org unit, owner or seat the access policy refuses
    (`policy.write_scope_errors`, `policy.seat_errors`) is a 400 `out_of_scope` naming the
    field, a parent record one may see but not change a 403 (`policy.out_of_scope`).
    `scope_model` is the model the write goes to (a model serializer's own by default). The
    services check the same again when they write."""

    scope_model: type[models.Model] | None = None

    def to_internal_value(self, data):
        scope = self.write_scope_errors(data)
        if not scope:
            return super().to_internal_value(data)
        try:
            super().to_internal_value(data)
        except serializers.ValidationError as exc:
            others = _flatten(exc.detail)
        else:
            others = {}
        raise policy.out_of_scope(self.scope_model_class(), {**others, **scope})

    def scope_model_class(self) -> type[models.Model] | None:
        return self.scope_model or getattr(getattr(self, "Meta", None), "model", None)

    def write_scope_errors(self, data) -> dict[str, list[str]]:
        """The related records `data` names that the policy refuses for this write, by field."""
        request = self.context.get("request")
        model = self.scope_model_class()
        if request is None or model is None or not hasattr(data, "get"):
            return {}
        chosen = {}
        for name, field in self.fields.items():
            if field.read_only or not isinstance(field, relations.RelatedField) or name not in data:
                continue
            try:  # the record named, before the field's other validators (a unique one)
                empty, value = field.validate_empty_values(data.get(name))
                chosen[field.source] = value if empty else field.to_internal_value(value)
            except (serializers.ValidationError, DjangoValidationError):
                continue  # the field reports its own error
        user = request.user
        errors = policy.write_scope_errors(model, user, chosen, instance=self.instance)
        seats = {role: chosen.get(role) for role in (TriangleRole.SR, TriangleRole.FR)}
        if any(seats.values()):
            unit = chosen.get("org_unit") or getattr(self.instance, "org_unit", None)
            errors.update(policy.seat_errors(user, seats, unit=unit or user.org_unit))
        return errors


class ScopedModelSerializer(WriteScopeMixin, ModelSerializer):
    """A record's serializer: related ids are scoped to what the user may see, and what a
    write points at to the writer's scope (`WriteScopeMixin`)."""

    serializer_related_field = ScopedPrimaryKeyRelatedField


class RecordSerializer(ScopedModelSerializer):
    """Base of the state-machine records' serializers: their version and the transitions the
    current user may take now (`available_transitions`)."""

    version = serializers.IntegerField(read_only=True)
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj) -> list[dict]:
        request = self.context.get("request")
        if request is None or not hasattr(obj, "get_available_user_state_transitions"):
            return []
        changeable = self.context.get("changeable_ids")
        may_change = None if changeable is None else obj.pk in changeable
        return fsm.available_transitions(obj, request.user, may_change=may_change)


class TransitionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Refuse (409) if the record changed since."
    )


class AuditEventListSerializer(serializers.ListSerializer):
    """Puts the whole list into words at once, so names and currencies are read in bulk."""

    def to_representation(self, data):
        from core.timeline import describe_events

        events = list(data.all() if isinstance(data, models.Manager) else data)
        self.context["described"] = {d.event.pk: d for d in describe_events(events)}
        return super().to_representation(events)


class AuditEventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    comment = serializers.CharField(
        source="comment_text",
        read_only=True,
        help_text="What was said with the change; one the system wrote reads in the requester's"
        " language.",
    )
    sentence = serializers.SerializerMethodField(
        help_text="The event as a sentence in the requester's language."
    )
    details = serializers.SerializerMethodField(
        help_text="Its changes as phrases in the requester's language; `changes` is the raw diff."
    )

    class Meta:
        model = AuditEvent
        list_serializer_class = AuditEventListSerializer
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "transition",
            "from_state",
            "to_state",
            "comment",
            "changes",
            "sentence",
            "details",
            "via",
        ]
        read_only_fields = fields

    def _described(self, event):
        described = self.context.get("described", {}).get(event.pk)
        if described is None:  # a single event, not a list
            from core.timeline import describe_events

            described = describe_events([event])[0]
        return described

    def get_sentence(self, event) -> str:
        return self._described(event).sentence

    def get_details(self, event) -> list[str]:
        return self._described(event).details


class NotificationSerializer(ModelSerializer):
    title = serializers.CharField(
        source="display_title", read_only=True, help_text="In the requester's language."
    )
    body = serializers.CharField(
        source="display_body", read_only=True, help_text="In the requester's language."
    )
    message = serializers.JSONField(
        read_only=True,
        help_text='The message as stored: {"code": ..., "params": {...}}; empty on old rows.',
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "message", "url", "created_at", "read_at"]
        read_only_fields = fields


class GateAssessmentSerializer(ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = GateAssessment
        fields = [
            "id",
            "role",
            "author",
            "verdict",
            "confidence",
            "risk_level",
            "risks",
            "notes",
            "topics",
            "updated_at",
        ]
        read_only_fields = fields


class GateReviewSerializer(ModelSerializer):
    subject_type = serializers.CharField(source="subject_type.model", read_only=True)
    authority_unit = serializers.StringRelatedField()
    assessments = GateAssessmentSerializer(many=True, read_only=True)
    topics = serializers.SerializerMethodField()
    may_decide = serializers.SerializerMethodField()
    escalation_reasons = serializers.ListField(
        source="escalation_reasons_display",
        child=serializers.CharField(),
        read_only=True,
        help_text="Why the gate went up to the office, as sentences in the requester's language.",
    )
    escalation_reason_codes = serializers.ListField(
        source="escalation_reasons",
        child=serializers.JSONField(),
        read_only=True,
        help_text='The same reasons as stored: each {"code": ..., "params": {...}} '
        "(or, for reasons recorded before codes existed, their text).",
    )

    class Meta:
        model = GateReview
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "kind",
            "round",
            "state",
            "title",
            "authority_unit",
            "escalated",
            "escalation_reasons",
            "escalation_reason_codes",
            "facts",
            "opened_by",
            "opened_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "assessments",
            "topics",
            "may_decide",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {"opened_by": {"read_only": True}}

    opened_at = DateTimeField(source="created_at", read_only=True)

    @extend_schema_field(serializers.DictField())
    def get_topics(self, obj) -> dict:
        return {
            role: [{"key": k, "label": str(label)} for k, label in items]
            for role, items in GATE_TOPICS.get(obj.kind, {}).items()
        }

    def get_may_decide(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and policy.may(request.user, "gates.decide", obj))


class GateOpenSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=["opportunity", "contract"])
    subject_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=GateKind.choices)


class GateAssessSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)],
        required=False,
    )
    verdict = serializers.ChoiceField(choices=Decision.choices)
    confidence = serializers.IntegerField(min_value=0, max_value=100)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    risks = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    topics = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=4000), required=False, default=dict
    )


class GateDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class AuthorityRuleSerializer(ModelSerializer):
    class Meta:
        model = AuthorityRule
        fields = [
            "id",
            "org_unit",
            "gate_kind",
            "max_amount",
            "currency",
            "min_margin_pct",
            "min_down_payment_pct",
            "escalate_on_high_risk",
            "is_active",
            "version",
        ]
        read_only_fields = ["version"]
