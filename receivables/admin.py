"""Collections in the admin: readable, never editable — money moves through the services."""

from django.contrib import admin

from .models import (
    Invoice,
    MilestoneReminder,
    PaymentMilestone,
    PaymentTrigger,
    Receipt,
    ReceiptAllocation,
    ReminderScan,
    WriteOffRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money moves through the app's services only; here it can be read."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentMilestone)
class PaymentMilestoneAdmin(ReadOnlyAdmin):
    list_display = ["contract", "name", "kind", "amount", "paid_amount", "due_date", "state"]
    list_filter = ["state", "kind", "trigger"]
    search_fields = ["contract__number", "name"]


class ReceiptAllocationInline(admin.TabularInline):
    model = ReceiptAllocation
    extra = 0
    can_delete = False
    readonly_fields = ["milestone", "amount", "created_at", "reversed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "customer",
        "contract",
        "amount",
        "currency",
        "received_on",
        "allocated_amount",
        "state",
    ]
    list_filter = ["state", "method"]
    search_fields = ["number", "bank_reference"]
    inlines = [ReceiptAllocationInline]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice_number", "contract", "amount", "paid_amount", "state"]
    list_filter = ["state", "kind"]
    search_fields = ["number", "invoice_number", "contract__number"]


@admin.register(WriteOffRequest)
class WriteOffRequestAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "amount", "currency", "state", "requested_by", "decided_by"]
    list_filter = ["state"]


@admin.register(MilestoneReminder)
class MilestoneReminderAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "kind", "due_date", "sent_on"]
    list_filter = ["kind", "sent_on"]


@admin.register(ReminderScan)
class ReminderScanAdmin(ReadOnlyAdmin):
    list_display = ["scan_date", "started_at", "finished_at", "made_due", "reminders"]


@admin.register(PaymentTrigger)
class PaymentTriggerAdmin(ReadOnlyAdmin):
    list_display = ["contract", "trigger", "occurred_on", "recorded_at"]
    list_filter = ["trigger"]
