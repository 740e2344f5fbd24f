from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core import audit
from core.custom_fields.forms import CustomValuesAdminForm

from .models import (
    Activity,
    Contact,
    Customer,
    ImportJob,
    IronTriangle,
    IronTriangleMember,
    OrgUnit,
    RoleAssignment,
    RoleDefinition,
    User,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "depth"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]


@admin.register(RoleDefinition)
class RoleDefinitionAdmin(admin.ModelAdmin):
    """Read-only here: roles are defined on /settings/roles/ (audited, validated)."""

    list_display = ["code", "name_en", "name_zh", "builtin"]
    readonly_fields = ["code", "name_en", "name_zh", "description", "builtin", "permissions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "org_unit", "is_active"]
    list_filter = ["role", "is_active", "org_unit"]
    readonly_fields = ["configured_roles"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Sales organisation"),
            {
                "fields": [
                    *("role", "org_unit", "title", "phone", "language", "email_digest"),
                    "configured_roles",
                ]
            },
        ),
        # ADR 25: turning `password_sign_in` back on lets one SSO user use a password again.
        (_("Single sign-on"), {"fields": ["employee_id", "identity_source", "password_sign_in"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Sales organisation"), {"fields": ["role", "org_unit"]}),
    ]

    @admin.display(description=_("configured roles"))
    def configured_roles(self, obj) -> str:
        """The user's configured roles (issue 20.1), read-only: they are given and taken back
        on /settings/roles/ or the API, which audit them and rewrite the compiled grants."""
        rows = RoleAssignment.objects.filter(user=obj).select_related("role", "org_unit")
        return (
            "; ".join(f"{a.role.name} · {a.org_unit} · {a.get_scope_display()}" for a in rows)
            or "—"
        )

    #: What decides what a user may do: every change is on the audit trail, before and after.
    AUDITED = ["role", "org_unit", "is_active", "is_staff", "is_superuser"]

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = audit.snapshot(User.objects.get(pk=obj.pk), self.AUDITED)
            before["groups"] = sorted(obj.groups.values_list("name", flat=True))
            before["user_permissions"] = sorted(
                obj.user_permissions.values_list("codename", flat=True)
            )
        request._audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        after = audit.snapshot(obj, self.AUDITED)
        after["groups"] = sorted(obj.groups.values_list("name", flat=True))
        after["user_permissions"] = sorted(obj.user_permissions.values_list("codename", flat=True))
        before = getattr(request, "_audit_before", {})
        changes = audit.diff(before, after) if change else after
        if changes:
            audit.audit_record(
                target=obj,
                action="permissions.changed" if change else "created",
                actor=request.user,
                changes=changes,
            )


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "department", "phone", "email"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomValuesAdminForm  # custom values' errors on `custom`
    list_display = ["name", "tier", "industry", "region", "owner", "org_unit"]
    list_filter = ["tier", "industry"]
    search_fields = ["name", "normalised_name", "credit_code"]
    # The vetting state moves only by its approval (客户审批), never by an edit.
    readonly_fields = ["normalised_name", "state", "version", "merged_into", "merged_at"]
    raw_id_fields = ["parent", "owner"]
    inlines = [ContactInline]

    def get_queryset(self, request):
        return Customer.all_objects.select_related("owner", "org_unit")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = CustomValuesAdminForm  # custom values' errors on `custom`
    list_display = ["name", "customer", "title", "department", "phone", "email"]
    search_fields = ["name", "phone", "email"]
    raw_id_fields = ["customer"]


class IronTriangleMemberInline(admin.TabularInline):
    model = IronTriangleMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(IronTriangle)
class IronTriangleAdmin(admin.ModelAdmin):
    inlines = [IronTriangleMemberInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["summary", "kind", "owner", "customer", "occurred_at", "next_step_date"]
    list_filter = ["kind"]
    search_fields = ["summary", "notes"]
    raw_id_fields = ["customer", "contact", "owner", "created_by"]
    readonly_fields = ["subject_type", "subject_id", "overdue_notified_at", "version"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports are run from the import pages; the admin only shows them."""

    list_display = ["file_name", "kind", "status", "rows_total", "rows_created", "created_by"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
