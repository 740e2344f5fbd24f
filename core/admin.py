from django.contrib import admin

from .models import (
    AuditEvent,
    AuthorityRule,
    GateAssessment,
    GateReview,
    Notification,
    OutboxMessage,
)


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
