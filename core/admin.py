from django.contrib import admin

from .custom_fields.models import CustomField
from .custom_fields.services import custom_field_create, custom_field_update
from .models import (
    AuditEvent,
    AuthorityRule,
    GateAssessment,
    GateReview,
    Notification,
    OutboxMessage,
)
from .rates import ExchangeRate, RateSource, exchange_rate_create, exchange_rate_update


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: searchable, never editable."""

    list_display = [
        "at",
        "actor_name",
        "action",
        "transition",
        "from_state",
        "to_state",
        "target_type",
        "target_id",
        "ip",
        "via",
    ]
    list_filter = ["action", "target_type", "via"]
    search_fields = [
        "actor_name",
        "action",
        "comment",
        "transition",
        "=target_id",
        "=ip",
        "user_agent",
        "api_key",
    ]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuthorityRule)
class AuthorityRuleAdmin(admin.ModelAdmin):
    list_display = [
        "org_unit",
        "gate_kind",
        "max_amount",
        "currency",
        "min_margin_pct",
        "min_down_payment_pct",
        "escalate_on_high_risk",
        "is_active",
    ]
    list_filter = ["gate_kind", "is_active"]


class GateAssessmentInline(admin.TabularInline):
    model = GateAssessment
    extra = 0
    can_delete = False
    readonly_fields = [
        "role",
        "author",
        "verdict",
        "confidence",
        "risk_level",
        "risks",
        "notes",
        "topics",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GateReview)
class GateReviewAdmin(admin.ModelAdmin):
    """Gate reviews are decided in the app; here they can only be read."""

    list_display = [
        "title",
        "kind",
        "round",
        "state",
        "escalated",
        "authority_unit",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["kind", "state", "escalated"]
    inlines = [GateAssessmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What is waiting for the broker (ADR 10): operators look, `flush_outbox` sends. Rows are
    written by `core.jobs.enqueue` only; editing one could send a task twice or never."""

    list_display = ["id", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_name", "task_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    """Custom fields, written through their services so every change is audited; the key,
    record type and type are fixed once made (retire a field instead of deleting it)."""

    list_display = ["target", "key", "label_en", "label_zh", "type", "position", "retired"]
    list_filter = ["target", "type", "retired"]
    search_fields = ["key", "label_en", "label_zh"]
    readonly_fields = ["version"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["target", "key", "type"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = custom_field_update(field=form.initial_instance, by=request.user, data=data)
        else:
            data = {name: form.cleaned_data[name] for name in form.cleaned_data}
            saved = custom_field_create(by=request.user, data=data)
        obj.pk, obj.version = saved.pk, saved.version

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        stored = CustomField.objects.get(pk=obj.pk) if obj is not None else None

        class StoredForm(form):
            initial_instance = stored

        return StoredForm


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Exchange rates (ADR 30), written through their services so every change is audited
    with before and after; one per day and pair (the form names a twin)."""

    list_display = ["date", "base", "quote", "rate", "source"]
    list_filter = ["base", "quote", "source"]
    date_hierarchy = "date"
    readonly_fields = ["version"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = exchange_rate_update(rate=obj, by=request.user, data=data)
        else:
            data = {"source": RateSource.MANUAL, **form.cleaned_data}
            saved = exchange_rate_create(by=request.user, data=data)
        obj.pk, obj.version = saved.pk, saved.version
