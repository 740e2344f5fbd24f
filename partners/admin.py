"""Read-only admin of channel partners: changes go through the services (audited)."""

from django.contrib import admin

from .models import Partner, PartnerAgreement, PartnerQualification, PartnerRegistration


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "tier", "state", "manager"]
    list_filter = ["tier", "state"]
    search_fields = ["name"]


@admin.register(PartnerAgreement)
class PartnerAgreementAdmin(ReadOnlyAdmin):
    list_display = ["partner", "year", "target_amount", "currency"]


@admin.register(PartnerQualification)
class PartnerQualificationAdmin(ReadOnlyAdmin):
    list_display = ["partner", "kind", "status", "valid_until"]


@admin.register(PartnerRegistration)
class PartnerRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["partner", "customer", "project", "state"]
