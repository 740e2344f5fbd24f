"""Generated documents and template versions are read here; they change only through the
services (a new version, never an edit in place)."""

from django.contrib import admin

from .models import DocumentTemplate, GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "version", "kind", "language", "signature_state", "created_at"]
    list_filter = ["kind", "signature_state"]
    search_fields = ["number", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "language", "version", "created_by", "created_at"]
    list_filter = ["kind", "language"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
