from django import forms
from django.contrib import admin

from .models import InboundMessage, Mailbox


class MailboxForm(forms.ModelForm):
    """The password is write-only: never shown, kept when left empty."""

    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), strip=False
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "use_ssl",
            "username",
            "password",
            "folder",
            "move_to",
            "source",
            "is_active",
        ]

    def clean_password(self):
        typed = self.cleaned_data.get("password")
        return typed if typed else (self.instance.password if self.instance.pk else "")


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "host", "username", "folder", "source", "is_active", "last_polled_at")
    list_filter = ("is_active",)
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """The inbound log: read only."""

    list_display = ("received_at", "channel", "from_address", "subject", "status", "reason")
    list_filter = ("status", "reason", "channel", "mailbox")
    search_fields = ("from_address", "subject", "message_id")
    list_select_related = ("mailbox",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
